import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../../config/config.ts';
import { standardWebhookHeaders as signStandardWebhook } from '../../api/webhooks/sign-standard-webhook.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { bearer, testConfig } from './test-api.ts';

/** One secret per webhook source, of the form each source's variable takes. */
export const WEBHOOK_SECRETS = {
  delighted: 'delighted-signing-secret',
  wootric: 'wootric-signing-secret',
  asknicely: 'asknicely-shared-secret-0123456789',
  retently: 'retently-shared-secret-0123456789',
  generic: `whsec_${randomBytes(32).toString('base64')}`,
} satisfies Record<SourceName, string>;

/** A test configuration with `secrets` (by default one for every source) set. */
export const configWithSecrets = (secrets: Partial<Record<SourceName, string>> = WEBHOOK_SECRETS): Config =>
  testConfig(Object.fromEntries(Object.entries(secrets).map(([source, secret]) => [`NPSLOOP_WEBHOOK_SECRET_${source.toUpperCase()}`, secret])));

const hexHmac = (algorithm: 'sha1' | 'sha256', secret: string, body: string) => createHmac(algorithm, secret).update(body).digest('hex');

/** Standard Webhooks headers for `body`, as npsloop's generic senders sign it (`timestamp` in unix seconds). */
export function standardWebhookHeaders(
  body: string,
  { id = `msg_${randomBytes(6).toString('hex')}`, timestamp = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRETS.generic } = {},
) {
  return signStandardWebhook(secret, body, { id, timestamp: new Date(timestamp * 1000) });
}

/** A delivery of `body` to a source, signed with `secret` the way that source signs. */
export function webhookDelivery(
  source: SourceName,
  body: string,
  secret: string,
  { contentType = 'application/json', eventId }: { contentType?: string; eventId?: string } = {},
): { url: string; headers: Record<string, string>; payload: string } {
  const signature: Record<SourceName, () => Record<string, string>> = {
    delighted: () => ({ 'x-delighted-webhook-signature': `sha256=${hexHmac('sha256', secret, body)}` }),
    wootric: () => ({ 'x-wootric-signature': `sha1=${hexHmac('sha1', secret, body)}` }),
    asknicely: () => ({ 'x-npsloop-secret': secret }),
    retently: () => ({ 'x-npsloop-secret': secret }),
    generic: () => standardWebhookHeaders(body, { secret, ...(eventId ? { id: eventId } : {}) }),
  };
  return { url: `/webhooks/${source}`, headers: { 'content-type': contentType, ...signature[source]() }, payload: body };
}

/** A delivery of `body` to a source, signed the way that source signs (with `secrets`, by default the configured ones). */
export function signedDelivery(
  source: SourceName,
  body: string,
  { contentType = 'application/json', secrets = WEBHOOK_SECRETS, eventId }: { contentType?: string; secrets?: Record<SourceName, string>; eventId?: string } = {},
): { url: string; headers: Record<string, string>; payload: string } {
  return webhookDelivery(source, body, secrets[source], { contentType, eventId });
}

export function withToken<T extends { headers: Record<string, string> }>(request: T, token: string): T {
  return { ...request, headers: { ...request.headers, ...bearer(token) } };
}
