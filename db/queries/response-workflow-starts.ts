import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Records that these responses' workflows must run; call it in the transaction that stored them.
 * A response changed again before its workflow started stays one pending start.
 */
export async function requestResponseWorkflows(db: Kysely<Database>, responseIds: readonly number[], at: Date): Promise<void> {
  if (responseIds.length === 0) return;
  await sql`
    insert into response_workflow_starts (response_id, requested_at)
    select id, ${at}::timestamptz from unnest(${[...responseIds]}::int[]) as t(id)
    on conflict (response_id) do update set requested_at = excluded.requested_at, started_at = null, attempts = 0, last_error = null
  `.execute(db);
}

/** The oldest pending starts, locked so that two relays never take the same one. */
export async function claimPendingStarts(db: Kysely<Database>, limit: number): Promise<{ response_id: number; requested_at: Date }[]> {
  return db
    .selectFrom('response_workflow_starts')
    .select(['response_id', 'requested_at'])
    .where('started_at', 'is', null)
    .orderBy('requested_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markStarted(db: Kysely<Database>, responseId: number, requestedAt: Date, at: Date): Promise<void> {
  // Only the request that was started: one made since (the response changed again) stays pending.
  await db
    .updateTable('response_workflow_starts')
    .set({ started_at: at })
    .where('response_id', '=', responseId)
    .where('requested_at', '=', requestedAt)
    .execute();
}

export async function markStartFailed(db: Kysely<Database>, responseId: number, error: string): Promise<void> {
  await db
    .updateTable('response_workflow_starts')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 2_000) }))
    .where('response_id', '=', responseId)
    .execute();
}
