import net from 'node:net';
import type { FastifyRequest } from 'fastify';
import { blockListOf, type IpRange } from '../../config/ip-ranges.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { ApiError } from '../api-error.ts';

/**
 * An onRequest hook that refuses, with 403, a delivery from outside the source's configured ranges,
 * before its body is read. `request.ip` is the connection's peer unless NPSLOOP_TRUSTED_PROXIES names
 * the proxy it came through, whose X-Forwarded-For then names the client: trusting any sender's
 * X-Forwarded-For would let it claim an allowed address.
 */
export function refuseSendersOutside(source: SourceName, ranges: IpRange[]) {
  const allowed = blockListOf(ranges);
  const variable = `NPSLOOP_WEBHOOK_ALLOWED_IPS_${source.toUpperCase()}`;
  return async (request: FastifyRequest): Promise<void> => {
    const family = net.isIP(request.ip);
    // An IPv4-mapped IPv6 address (a dual-stack listener) is checked against IPv4 ranges too.
    if (family !== 0 && allowed.check(request.ip, family === 4 ? 'ipv4' : 'ipv6')) return;
    throw new ApiError(403, 'sender_not_allowed', `${source} deliveries are taken only from the addresses in ${variable}; this one came from ${request.ip}`);
  };
}
