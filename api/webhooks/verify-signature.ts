import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { SourceName } from '../../ingest/sources/index.ts';
import { ApiError } from '../api-error.ts';
import { type BodySecret, verifySharedSecret } from './verify-shared-secret.ts';

/** How far a Standard Webhooks timestamp may be from this server's clock, either way. */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 5 * 60;

const invalidSignature = (message: string) => new ApiError(401, 'invalid_signature', message);

/**
 * Checks that a delivery comes from the survey tool, on the raw bytes of its body (re-serialised
 * JSON would not verify), with any of `secrets`: the current one and, while it is being rotated, the
 * previous one. `bodySecret` is what Retently's body said about its secret. Returns the event id the
 * signed headers carry (Standard Webhooks' `webhook-id`), or null for sources that put none there.
 * Throws 401 `invalid_signature`, or `stale_event` for a genuine Standard Webhooks message outside
 * the tolerance.
 */
export function verifyDelivery(
  source: SourceName,
  raw: Buffer,
  headers: IncomingHttpHeaders,
  secrets: readonly string[],
  now: Date,
  bodySecret?: BodySecret,
): string | null {
  switch (source) {
    case 'delighted':
      verifyHexHmac(raw, headers, { header: 'x-delighted-webhook-signature', algorithm: 'sha256', secrets });
      return null;
    case 'wootric':
      verifyHexHmac(raw, headers, { header: 'x-wootric-signature', algorithm: 'sha1', secrets });
      return null;
    case 'asknicely':
    case 'retently':
      verifySharedSecret(headers, secrets, bodySecret);
      return null;
    case 'generic':
      return verifyStandardWebhook(raw, headers, secrets, now);
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

/** Whether any given value equals any expected one; every pair is compared, so the timing does not tell which. */
function anyEqualInConstantTime(given: readonly string[], expected: readonly string[]): boolean {
  let matched = false;
  for (const value of given) for (const candidate of expected) matched = equalInConstantTime(value, candidate) || matched;
  return matched;
}

/** `<algorithm>=<hex HMAC of the raw body>`, as Delighted (sha256) and Wootric (sha1) sign. */
function verifyHexHmac(
  raw: Buffer,
  headers: IncomingHttpHeaders,
  { header, algorithm, secrets }: { header: string; algorithm: 'sha1' | 'sha256'; secrets: readonly string[] },
): void {
  const value = requiredHeader(headers, header);
  const prefix = `${algorithm}=`;
  if (!value.startsWith(prefix)) throw invalidSignature(`the ${header} header must be "${prefix}<hex digest>"`);
  const given = value.slice(prefix.length).toLowerCase();
  const expected = secrets.map((secret) => createHmac(algorithm, secret).update(raw).digest('hex'));
  if (!anyEqualInConstantTime([given], expected)) throw invalidSignature(`the ${header} signature does not match the body`);
}

/**
 * Standard Webhooks: `webhook-signature` holds one or more space-separated `v1,<signature>` (several
 * while a key is being rotated), each checked against every secret. The timestamp is checked after
 * the signature, so only a genuine message is told it is stale.
 */
function verifyStandardWebhook(raw: Buffer, headers: IncomingHttpHeaders, secrets: readonly string[], now: Date): string {
  const id = requiredHeader(headers, 'webhook-id');
  const timestamp = requiredHeader(headers, 'webhook-timestamp');
  const signatures = requiredHeader(headers, 'webhook-signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw invalidSignature('the webhook-timestamp header must be unix seconds');
  // Signed by the library (which decodes the secret), compared here: its verify() reads the wall clock, before the signature, for one secret.
  const signedAt = new Date(Number(timestamp) * 1000);
  const expected = secrets.map((secret) => new Webhook(secret).sign(id, signedAt, raw));
  if (!anyEqualInConstantTime(signatures.split(' '), expected)) throw invalidSignature('no v1 signature in the webhook-signature header matches the message');
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
