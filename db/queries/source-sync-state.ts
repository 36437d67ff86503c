import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

export interface SyncCounts {
  received: number;
  accepted: number;
  rejected: number;
  /** The newest responded_at among the accepted responses. */
  lastResponseAt: Date | null;
}

/**
 * Records that a source delivered a batch of responses (a webhook delivery's, a CSV import's):
 * when, and how much of it was taken. `last_synced_at` moves whether the responses were taken
 * or refused; it is what account NPS shows as "last synced" (db/queries/account-nps-grid.ts).
 */
export async function recordSourceSync(db: Kysely<Database>, source: string, at: Date, counts: SyncCounts): Promise<void> {
  await db
    .insertInto('source_sync_state')
    .values({
      source,
      last_synced_at: at,
      last_response_at: counts.lastResponseAt,
      received_count: counts.received,
      accepted_count: counts.accepted,
      rejected_count: counts.rejected,
    })
    .onConflict((oc) =>
      oc.column('source').doUpdateSet({
        last_synced_at: sql`greatest(source_sync_state.last_synced_at, excluded.last_synced_at)`,
        last_response_at: sql`greatest(source_sync_state.last_response_at, excluded.last_response_at)`,
        received_count: sql`source_sync_state.received_count + excluded.received_count`,
        accepted_count: sql`source_sync_state.accepted_count + excluded.accepted_count`,
        rejected_count: sql`source_sync_state.rejected_count + excluded.rejected_count`,
      }),
    )
    .execute();
}
