import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SourceName } from '../../ingest/sources/index.ts';
import { ApiError } from '../api-error.ts';

/** How far a Standard Webhooks timestamp may be from this server's clock, either way. */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 5 * 60;

/** The header AskNicely and Retently are set up to send the shared secret in. */
export const SHARED_SECRET_HEADER = 'x-npsloop-secret';

const invalidSignature = (message: string) => new ApiError(401, 'invalid_signature', message);

/**
 * Checks that a delivery comes from the survey tool, on the raw bytes of its body (re-serialised
 * JSON would not verify). Returns the event id the signed headers carry (Standard Webhooks'
 * `webhook-id`), or null for sources that put none there. Throws 401 `invalid_signature`, or
 * `stale_event` for a genuine Standard Webhooks message outside the tolerance.
 */
export function verifyDelivery(source: SourceName, raw: Buffer, headers: IncomingHttpHeaders, secret: string, now: Date): string | null {
  switch (source) {
    case 'delighted':
      verifyHexHmac(raw, headers, { header: 'x-delighted-webhook-signature', algorithm: 'sha256', secret });
      return null;
    case 'wootric':
      verifyHexHmac(raw, headers, { header: 'x-wootric-signature', algorithm: 'sha1', secret });
      return null;
    case 'asknicely':
    case 'retently':
      verifySharedSecret(headers, secret);
      return null;
    case 'generic':
      return verifyStandardWebhook(raw, headers, secret, now);
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw invalidSignature(`the ${name} header is sent more than once`);
  return value;
}

function requiredHeader(headers: IncomingHttpHeaders, name: string): string {
  const value = headerValue(headers, name);
  if (value === undefined || value === '') throw invalidSignature(`the ${name} header is missing`);
  return value;
}

/** Equal-length buffers compared in constant time; different lengths are simply unequal. */
function equalInConstantTime(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `<algorithm>=<hex HMAC of the raw body>`, as Delighted (sha256) and Wootric (sha1) sign. */
function verifyHexHmac(
  raw: Buffer,
  headers: IncomingHttpHeaders,
  { header, algorithm, secret }: { header: string; algorithm: 'sha1' | 'sha256'; secret: string },
): void {
  const value = requiredHeader(headers, header);
  const prefix = `${algorithm}=`;
  if (!value.startsWith(prefix)) throw invalidSignature(`the ${header} header must be "${prefix}<hex digest>"`);
  const expected = createHmac(algorithm, secret).update(raw).digest('hex');
  if (!equalInConstantTime(value.slice(prefix.length).toLowerCase(), expected)) {
    throw invalidSignature(`the ${header} signature does not match the body`);
  }
}

/** AskNicely and Retently sign nothing: they send a static secret header the customer set up. */
function verifySharedSecret(headers: IncomingHttpHeaders, secret: string): void {
  const value = requiredHeader(headers, SHARED_SECRET_HEADER);
  // Digests have equal lengths, so not even the secret's length shows in the timing.
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  if (!equalInConstantTime(digest(value), digest(secret))) throw invalidSignature(`the ${SHARED_SECRET_HEADER} header does not match`);
}

/**
 * Standard Webhooks: `webhook-signature` holds one or more space-separated `v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">` (several while a key is being rotated); the key is the base64 after
 * the secret's `whsec_`. The timestamp is checked after the signature, so only a genuine message
 * is told it is stale.
 */
function verifyStandardWebhook(raw: Buffer, headers: IncomingHttpHeaders, secret: string, now: Date): string {
  const id = requiredHeader(headers, 'webhook-id');
  const timestamp = requiredHeader(headers, 'webhook-timestamp');
  const signatures = requiredHeader(headers, 'webhook-signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw invalidSignature('the webhook-timestamp header must be unix seconds');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(raw).digest('base64');
  const matches = signatures
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .some((part) => equalInConstantTime(part.slice('v1,'.length), expected));
  if (!matches) throw invalidSignature('no v1 signature in the webhook-signature header matches the message');
  const skewSeconds = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skewSeconds > STANDARD_WEBHOOKS_TOLERANCE_SECONDS) {
    throw new ApiError(
      401,
      'stale_event',
      `the webhook-timestamp is ${Math.round(skewSeconds)} s away from this server's clock (at most ${STANDARD_WEBHOOKS_TOLERANCE_SECONDS} s)`,
    );
  }
  return id;
}
