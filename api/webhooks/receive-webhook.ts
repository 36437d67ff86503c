import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { inTransaction } from '../../db/in-transaction.ts';
import { findWebhookEvent, recordWebhookEvent } from '../../db/queries/webhook-events.ts';
import { type IngestSettings, type PayloadIngestResult, storePayloads } from '../../ingest/ingest-payloads.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { ApiError } from '../api-error.ts';

const issueSchema = z.object({ path: z.string(), message: z.string() });

/** What a delivery did; a replay of it is answered with the same. */
export const webhookResultSchema = z
  .object({
    received: z.number().int().describe('responses the delivery carried (one repeated in it counts once)'),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int().describe('redelivered responses that changed nothing'),
    rejected: z
      .array(
        z.object({
          reason: z.enum(['invalid', 'unknown_user']),
          sourceResponseId: z.string().nullable(),
          issues: z.array(issueSchema).describe('each with the field path in the payload'),
        }),
      )
      .describe('kept in the rejection log; an unknown user\'s response is taken once the user is synced'),
    ignored: z.array(z.object({ reason: z.string() })).describe('well-formed payloads that carry no NPS score'),
  })
  .meta({ id: 'WebhookResult' });

export type WebhookResult = z.infer<typeof webhookResultSchema>;

export interface WebhookAnswer {
  /** 202 taken; 422 nothing in it could be stored (see `deliveryStatus`). */
  status: number;
  result: WebhookResult;
  /** The event had been received before: nothing was changed. */
  replayed: boolean;
}

/**
 * 422 when every response the delivery carried is invalid for its shape, so nothing of it was
 * stored: a tool that shows failed deliveries then shows this one. A response kept for a user
 * not synced yet, or a payload that carries no score (an unsubscribe), is taken: 202.
 */
export function deliveryStatus(result: WebhookResult): 202 | 422 {
  const invalid = result.rejected.filter((rejection) => rejection.reason === 'invalid').length;
  return invalid > 0 && invalid === result.received ? 422 : 202;
}

/** The error a 422 delivery is answered with: every issue of every response, at its payload path. */
export function invalidDeliveryError(result: WebhookResult): ApiError {
  const count = result.rejected.length === 1 ? 'its response is' : `all ${result.rejected.length} of its responses are`;
  return new ApiError(
    422,
    'invalid_payload',
    `nothing in this delivery could be stored: ${count} invalid; each issue names its field in the payload, and the rejection log keeps it`,
    result.rejected.flatMap((rejection) => rejection.issues),
  );
}

/** The event had been recorded by an earlier delivery: this one must change nothing. */
class EventAlreadyRecorded extends Error {}

/**
 * Stores one verified delivery, exactly once per event: its responses (and the requests to start
 * their workflows) and the event's record commit in one transaction, so neither can exist
 * without the other. The record is written last; when the event turns out to be recorded
 * already (a replay, or a concurrent delivery that committed first), the transaction rolls back
 * and the first delivery's answer is given. New events, the common case, pay no extra lookup.
 */
export async function receiveWebhook(
  db: Kysely<Database>,
  delivery: { source: SourceName; eventId: string; payload: unknown },
  settings: IngestSettings,
): Promise<WebhookAnswer> {
  try {
    return await inTransaction(db, async (trx) => {
      const stored = await storePayloads(trx, delivery.source, [delivery.payload], settings);
      const result = webhookResultOf(stored);
      // Recorded either way, with its rejections: a redelivery of a refused event is refused alike.
      const answer = { status: deliveryStatus(result), result, replayed: false };
      const recorded = await recordWebhookEvent(trx, {
        source: delivery.source,
        eventId: delivery.eventId,
        receivedAt: settings.now,
        status: answer.status,
        result: answer.result,
      });
      if (!recorded) throw new EventAlreadyRecorded();
      return answer;
    });
  } catch (error) {
    if (!(error instanceof EventAlreadyRecorded)) throw error;
    const first = await findWebhookEvent(db, delivery.source, delivery.eventId);
    if (!first) throw new Error(`webhook event ${delivery.source}/${delivery.eventId} was recorded and then vanished`);
    return { status: first.status, result: first.result as WebhookResult, replayed: true };
  }
}

function webhookResultOf(stored: PayloadIngestResult): WebhookResult {
  return {
    received: stored.inserted + stored.updated + stored.unchanged + stored.rejected.length + stored.ignored.length,
    inserted: stored.inserted,
    updated: stored.updated,
    unchanged: stored.unchanged,
    rejected: stored.rejected.map(({ reason, sourceResponseId, issues }) => ({ reason, sourceResponseId, issues })),
    ignored: stored.ignored.map(({ reason }) => ({ reason })),
  };
}
