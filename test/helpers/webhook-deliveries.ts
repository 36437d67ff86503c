import { createHmac, randomBytes } from 'node:crypto';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import type { SourceName } from '../../ingest/sources/index.ts';

/** A delivery of `body` to a source, signed with `secret` the way that source signs. */
export function webhookDelivery(
  source: SourceName,
  body: string,
  secret: string,
  { contentType = 'application/json', eventId }: { contentType?: string; eventId?: string } = {},
): { url: string; headers: Record<string, string>; payload: string } {
  const hexHmac = (algorithm: 'sha1' | 'sha256') => createHmac(algorithm, secret).update(body).digest('hex');
  const signature: Record<SourceName, () => Record<string, string>> = {
    delighted: () => ({ 'x-delighted-webhook-signature': `sha256=${hexHmac('sha256')}` }),
    wootric: () => ({ 'x-wootric-signature': `sha1=${hexHmac('sha1')}` }),
    asknicely: () => ({ 'x-npsloop-secret': secret }),
    retently: () => ({ 'x-npsloop-secret': secret }),
    generic: () => standardWebhookHeaders(secret, body, { id: eventId ?? `msg_${randomBytes(6).toString('hex')}` }),
  };
  return { url: `/webhooks/${source}`, headers: { 'content-type': contentType, ...signature[source]() }, payload: body };
}
