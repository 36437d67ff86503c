import { setTimeout as sleep } from 'node:timers/promises';
import { standardWebhookHeaders } from '../../../api/webhooks/sign-standard-webhook.ts';

/** One webhook event as a survey tool delivers it: one body, one webhook-id, however often it is retried. */
export interface Delivery {
  webhookId: string;
  /** The survey tool's response id: the `source_response_id` it is stored under. */
  responseId: string;
  email: string;
  score: number;
  body: string;
  /** Each attempt's HTTP status, or null when no answer came (refused, reset, timed out). */
  attempts: { status: number | null; retryAfter: string | null; replayed: boolean; error?: string }[];
  /** Answered 2xx at least once: the API said it was stored. */
  accepted: boolean;
}

export interface WebhookSender {
  deliveries: Delivery[];
  /** A new event for this user; not sent yet. */
  create(email: string, score: number): Delivery;
  /** One attempt, signed afresh (as Standard Webhooks senders do on every retry); returns the status. */
  attempt(delivery: Delivery): Promise<number | null>;
  /** Attempts until a 2xx, as a sender retries: after a refusal, a reset or any non-2xx, until the signal stops it. */
  deliver(delivery: Delivery, options: { signal: AbortSignal; retryDelayMs?: number }): Promise<void>;
  /** Delivers each until accepted, `concurrency` at a time, as a tool's retry queue would. */
  deliverAll(deliveries: Delivery[], options: { concurrency: number; signal: AbortSignal; retryDelayMs?: number }): Promise<void>;
  /** Attempts answered per status ("202", "503", "no answer"), over every delivery. */
  statusCounts(): Record<string, number>;
}

export function webhookSender(options: { apiUrl: string; token: string; secret: string; runId: string }): WebhookSender {
  const deliveries: Delivery[] = [];
  const sender: WebhookSender = {
    deliveries,
    create(email, score) {
      const n = deliveries.length + 1;
      const responseId = `${options.runId}-${n}`;
      const body = JSON.stringify({ id: responseId, email, score, respondedAt: new Date(Date.now() - 60_000).toISOString(), comment: `fault suite ${n}` });
      const delivery: Delivery = { webhookId: `msg_${responseId}`, responseId, email, score, body, attempts: [], accepted: false };
      deliveries.push(delivery);
      return delivery;
    },
    async attempt(delivery) {
      try {
        const response = await fetch(`${options.apiUrl}/webhooks/generic`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.token}`,
            'content-type': 'application/json',
            ...standardWebhookHeaders(options.secret, delivery.body, { id: delivery.webhookId }),
          },
          body: delivery.body,
          signal: AbortSignal.timeout(30_000),
        });
        await response.arrayBuffer();
        delivery.attempts.push({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          replayed: response.headers.get('x-npsloop-replayed') === 'true',
        });
        if (response.ok) delivery.accepted = true;
        return response.status;
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        delivery.attempts.push({ status: null, retryAfter: null, replayed: false, error: cause });
        return null;
      }
    },
    async deliver(delivery, { signal, retryDelayMs = 250 }) {
      for (;;) {
        const status = await sender.attempt(delivery);
        if (status !== null && status >= 200 && status < 300) return;
        await sleep(retryDelayMs, undefined, { signal });
      }
    },
    async deliverAll(queue, { concurrency, signal, retryDelayMs }) {
      let next = 0;
      const lane = async () => {
        while (next < queue.length) {
          const delivery = queue[next++]!;
          await sender.deliver(delivery, { signal, retryDelayMs });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
    },
    statusCounts() {
      const counts: Record<string, number> = {};
      for (const { attempts } of deliveries) {
        for (const { status } of attempts) {
          const key = status === null ? 'no answer' : String(status);
          counts[key] = (counts[key] ?? 0) + 1;
        }
      }
      return counts;
    },
  };
  return sender;
}
