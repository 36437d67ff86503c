import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import type { ApiPrincipal } from '../../db/queries/api-principal.ts';
import { findApiPrincipal } from '../../db/queries/api-tokens.ts';
import { principalOfSession } from '../../db/queries/web-sessions.ts';
import { ApiError } from '../api-error.ts';
import type { RouteAccess } from './access.ts';
import { checkCsrf, clearSessionCookie, hasSessionCookie, sessionOfRequest } from './web-session.ts';

/**
 * The bearer token of a request: the Authorization header, or for webhooks, whose senders can
 * only be given a URL, a `token` query parameter (redacted from logs). A webhook's Basic
 * credentials carry the survey tool's shared secret, not a token.
 */
function presentedToken(request: FastifyRequest, allowQueryToken: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined && !(allowQueryToken && /^Basic(\s|$)/i.test(header))) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthenticated', 'the Authorization header must be "Bearer <token>"');
    return match[1];
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (allowQueryToken && typeof query?.token === 'string') return query.token;
  return undefined;
}

/**
 * Checks the caller against the route's access; sets `request.principal`. A bearer token, when
 * sent, decides alone; otherwise the web app's session cookie, whose state-changing requests must
 * also pass the CSRF check. Either gives the same principal (role, CSM), so every route's access
 * rule holds for both.
 */
export function authenticate(db: Kysely<Database>, config: Config) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const access = request.routeOptions.config.access as RouteAccess | undefined;
    // Only the not-found handler has no access: every declared route must have one (onRoute).
    if (!access) return;
    if ('public' in access) return;
    const principal = await principalOfRequest(db, config, request, reply);
    if (!access.roles.includes(principal.role)) {
      const who = principal.source.kind === 'token' ? `a ${principal.role} token` : `${principal.name}, signed in as ${principal.role},`;
      throw new ApiError(403, 'forbidden', `${who} may not call this route (allowed: ${access.roles.join(', ')})`);
    }
    request.principal = principal;
  };
}

async function principalOfRequest(db: Kysely<Database>, config: Config, request: FastifyRequest, reply: FastifyReply): Promise<ApiPrincipal> {
  const token = presentedToken(request, request.routeOptions.url?.startsWith('/webhooks/') ?? false);
  if (token !== undefined) {
    const principal = await findApiPrincipal(db, token);
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new ApiError(401, 'unauthenticated', 'the API token is unknown or revoked');
    }
    return principal;
  }
  if (hasSessionCookie(request)) {
    const session = await sessionOfRequest(db, config, request);
    if (!session) {
      clearSessionCookie(reply, config);
      throw new ApiError(401, 'unauthenticated', 'the session has expired or was signed out: sign in again');
    }
    checkCsrf(request, session, config);
    return principalOfSession(session);
  }
  void reply.header('www-authenticate', 'Bearer');
  throw new ApiError(401, 'unauthenticated', 'an API token is required: send "Authorization: Bearer <token>" (or sign in to the web app)');
}

/** The principal of an authenticated route (set by `authenticate`). */
export function principalOf(request: FastifyRequest): ApiPrincipal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} used principalOf without authentication`);
  return request.principal;
}
