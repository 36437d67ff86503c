import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.ts';
import type { ScenarioContext } from './scenario.ts';
import type { StoredResponses } from './stored-responses.ts';
import type { Delivery } from './webhook-sender.ts';

/**
 * A delivery is stored whole or not at all: each stored response has its workflow start recorded
 * (durable start: without it the journey is lost) and its delivery's event recorded (without it a
 * redelivery would not be recognised), all from the same transaction.
 */
export async function checkNothingHalfWritten(context: ScenarioContext, db: Kysely<Database>, deliveries: Delivery[], stored: StoredResponses): Promise<void> {
  const storedDeliveries = deliveries.filter((delivery) => stored.ids.has(delivery.responseId));
  const responseIds = storedDeliveries.map((delivery) => stored.ids.get(delivery.responseId)!);
  const starts = new Set<number>();
  const events = new Set<string>();
  for (let i = 0; i < storedDeliveries.length; i += 1000) {
    const chunk = storedDeliveries.slice(i, i + 1000);
    const startRows = await db.selectFrom('response_workflow_starts').select('response_id').where('response_id', 'in', responseIds.slice(i, i + 1000)).execute();
    for (const row of startRows) starts.add(row.response_id);
    const eventRows = await db
      .selectFrom('webhook_events')
      .select('event_id')
      .where('source', '=', 'generic')
      .where('event_id', 'in', chunk.map((delivery) => delivery.webhookId))
      .execute();
    for (const row of eventRows) events.add(row.event_id);
  }
  const withoutStart = storedDeliveries.filter((delivery) => !starts.has(stored.ids.get(delivery.responseId)!));
  const withoutEvent = storedDeliveries.filter((delivery) => !events.has(delivery.webhookId));
  context.figures.workflow_starts_recorded = Number(context.figures.workflow_starts_recorded ?? 0) + starts.size;
  context.figures.webhook_events_recorded = Number(context.figures.webhook_events_recorded ?? 0) + events.size;
  if (withoutStart.length > 0) {
    context.figures.lost += withoutStart.length;
    context.problem(`${withoutStart.length} stored responses have no workflow start recorded: ${withoutStart.slice(0, 5).map((d) => d.responseId).join(', ')}`);
  }
  if (withoutEvent.length > 0) {
    context.problem(`${withoutEvent.length} stored responses have no webhook event recorded: ${withoutEvent.slice(0, 5).map((d) => d.webhookId).join(', ')}`);
  }
}
