import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * One delivered webhook event per source and event id: a replayed delivery finds its row and
 * gets the first delivery's answer instead of being processed again.
 */
export interface WebhookEventsTable {
  source: ColumnType<string, string, never>;
  event_id: ColumnType<string, string, never>;
  received_at: ColumnType<Date, Date | undefined, never>;
  /** The HTTP status the first delivery was answered with. */
  status: ColumnType<number, number, never>;
  result: ColumnType<unknown, string, never>;
}

export type WebhookEvent = Selectable<WebhookEventsTable>;
export type NewWebhookEvent = Insertable<WebhookEventsTable>;
