import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** How a delivery was first answered: what a replay of it is answered with. */
export interface WebhookEventAnswer {
  status: number;
  result: unknown;
}

export async function findWebhookEvent(db: Kysely<Database>, source: string, eventId: string): Promise<WebhookEventAnswer | undefined> {
  return db
    .selectFrom('webhook_events')
    .select(['status', 'result'])
    .where('source', '=', source)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
}

/**
 * Records a delivery's answer; false when the event is already recorded. On PostgreSQL a
 * concurrent delivery of the same event waits here until the first one commits or rolls back.
 */
export async function recordWebhookEvent(
  db: Kysely<Database>,
  event: { source: string; eventId: string; receivedAt: Date } & WebhookEventAnswer,
): Promise<boolean> {
  const inserted = await db
    .insertInto('webhook_events')
    .values({
      source: event.source,
      event_id: event.eventId,
      received_at: event.receivedAt,
      status: event.status,
      result: JSON.stringify(event.result),
    })
    .onConflict((conflict) => conflict.columns(['source', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return inserted !== undefined;
}
