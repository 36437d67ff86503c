import { Webhook } from 'standardwebhooks';

/**
 * The headers a Standard Webhooks sender adds: what npsloop's own webhook (`/webhooks/generic`)
 * verifies. For senders written against npsloop (the demo, integrations, benchmarks).
 */
export function standardWebhookHeaders(
  secret: string,
  body: string,
  { id, timestamp = new Date() }: { id: string; timestamp?: Date },
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
}
