import { createHmac } from 'node:crypto';

/**
 * The headers a Standard Webhooks sender adds: what npsloop's own webhook (`/webhooks/generic`)
 * verifies. For senders written against npsloop (the demo, integrations, benchmarks).
 */
export function standardWebhookHeaders(
  secret: string,
  body: string,
  { id, timestamp = new Date() }: { id: string; timestamp?: Date },
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const seconds = String(Math.floor(timestamp.getTime() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': seconds, 'webhook-signature': `v1,${signature}` };
}
