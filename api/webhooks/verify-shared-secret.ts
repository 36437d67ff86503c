import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '../../ingest/sources/adapter.ts';
import { ApiError } from '../api-error.ts';

/** The custom header AskNicely and Retently can be set up to send the shared secret in. */
export const SHARED_SECRET_HEADER = 'x-npsloop-secret';

/** The top-level field of Retently's editable body template that can carry the shared secret instead. */
export const BODY_SECRET_FIELD = 'npsloop_secret';

/** What a delivery's body said about the secret: only Retently's body can carry one. */
export type BodySecret = { present: false } | { present: true; value: unknown };

const invalidSecret = (message: string) => new ApiError(401, 'invalid_signature', message);

/**
 * Takes the secret field out of a parsed body, so it is never stored (a rejected response keeps its
 * payload in the rejection log).
 */
export function takeBodySecret(payload: unknown): BodySecret {
  if (!isRecord(payload) || !Object.hasOwn(payload, BODY_SECRET_FIELD)) return { present: false };
  const value = payload[BODY_SECRET_FIELD];
  delete payload[BODY_SECRET_FIELD];
  return { present: true, value };
}

/**
 * AskNicely and Retently sign nothing: a delivery carries a static secret the customer set up, in
 * the X-Npsloop-Secret header, as the password of HTTP Basic credentials (for a tool that can only
 * be given a URL: `https://npsloop:<secret>@host/...`), or, for Retently, in its body. At least one
 * must be there, and every one that is there must be the current or the previous secret.
 */
export function verifySharedSecret(headers: IncomingHttpHeaders, secrets: readonly string[], bodySecret: BodySecret | undefined): void {
  const presented: { where: string; value: unknown }[] = [];
  const header = headers[SHARED_SECRET_HEADER];
  if (Array.isArray(header)) throw invalidSecret(`the ${SHARED_SECRET_HEADER} header is sent more than once`);
  if (header !== undefined) presented.push({ where: `the ${SHARED_SECRET_HEADER} header`, value: header });
  const basicPassword = basicCredentialsPassword(headers.authorization);
  if (basicPassword !== undefined) presented.push({ where: 'the password of the Basic credentials', value: basicPassword });
  if (bodySecret?.present) presented.push({ where: `the body's ${BODY_SECRET_FIELD} field`, value: bodySecret.value });

  if (presented.length === 0) {
    const carriers = [`the ${SHARED_SECRET_HEADER} header`, 'the password of HTTP Basic credentials', ...(bodySecret ? [`the body's ${BODY_SECRET_FIELD} field`] : [])];
    throw invalidSecret(`no shared secret: send it in ${carriers.slice(0, -1).join(', ')} or ${carriers.at(-1)}`);
  }
  for (const { where, value } of presented) {
    if (typeof value !== 'string' || !matchesAny(value, secrets)) throw invalidSecret(`${where} does not match`);
  }
}

/** The password of `Authorization: Basic <base64 of user:password>`, or undefined for no Basic credentials. */
function basicCredentialsPassword(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization ?? '');
  if (!match) {
    if (/^Basic(\s|$)/i.test(authorization ?? '')) throw invalidSecret('the Basic credentials are not base64');
    return undefined;
  }
  const credentials = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon < 0) throw invalidSecret('the Basic credentials have no password: expected base64 of "user:password"');
  return credentials.slice(colon + 1);
}

/**
 * Compared as digests, which have equal lengths, so not even a secret's length shows in the timing;
 * every secret is compared, so neither does which one matched.
 */
function matchesAny(value: string, secrets: readonly string[]): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const given = digest(value);
  let matched = false;
  for (const secret of secrets) matched = timingSafeEqual(given, digest(secret)) || matched;
  return matched;
}
