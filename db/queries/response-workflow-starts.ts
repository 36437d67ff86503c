import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Records that these responses' workflows must run; call it in the transaction that stored them.
 * A response changed again before its workflow started stays one pending start, due at once.
 */
export async function requestResponseWorkflows(db: Kysely<Database>, responseIds: readonly number[], at: Date): Promise<void> {
  if (responseIds.length === 0) return;
  await sql`
    insert into response_workflow_starts (response_id, requested_at, next_attempt_at)
    select id, ${at}::timestamptz, now() from unnest(${[...responseIds]}::int[]) as t(id)
    on conflict (response_id) do update
      set requested_at = excluded.requested_at, next_attempt_at = excluded.next_attempt_at,
          started_at = null, attempts = 0, last_error = null
  `.execute(db);
}

export interface ClaimedStart {
  response_id: number;
  requested_at: Date;
  attempts: number;
}

/**
 * Claims the oldest pending starts that are due, each for `leaseMs`: a short statement of its own,
 * so no transaction stays open while Temporal is called. Two relays never claim the same start
 * (SKIP LOCKED, then the lease); a start whose relay died is claimed again once its lease ends.
 * Times are the database's, so relays' clocks do not matter.
 */
export async function claimDueStarts(db: Kysely<Database>, limit: number, leaseMs: number): Promise<ClaimedStart[]> {
  const { rows } = await sql<ClaimedStart>`
    update response_workflow_starts s
    set lease_until = now() + make_interval(secs => ${leaseMs / 1000})
    from (
      select response_id from response_workflow_starts
      where started_at is null and next_attempt_at <= now() and (lease_until is null or lease_until <= now())
      order by requested_at
      limit ${limit}
      for update skip locked
    ) due
    where s.response_id = due.response_id
    returning s.response_id, s.requested_at, s.attempts
  `.execute(db);
  return rows;
}

/**
 * Marks these starts done and frees their claims. Only the request that was started: a response
 * changed again meanwhile (a later `requested_at`) stays pending for a run of its own.
 */
export async function markStarted(db: Kysely<Database>, started: readonly Pick<ClaimedStart, 'response_id' | 'requested_at'>[], at: Date): Promise<void> {
  if (started.length === 0) return;
  await sql`
    update response_workflow_starts s
    set started_at = case when s.requested_at = t.requested_at then ${at}::timestamptz else null end, lease_until = null
    from unnest(${started.map((s) => s.response_id)}::int[], ${started.map((s) => s.requested_at.toISOString())}::timestamptz[]) as t(response_id, requested_at)
    where s.response_id = t.response_id
  `.execute(db);
}

/**
 * Records failed starts and frees their claims: each is due again after its backoff, which grows
 * with its attempts (1 s, 2 s, 4 s, … up to `maxBackoffMs`), so a Temporal outage is not hammered.
 */
export async function markStartsFailed(
  db: Kysely<Database>,
  failed: readonly { response_id: number; error: string }[],
  maxBackoffMs: number,
): Promise<void> {
  if (failed.length === 0) return;
  await sql`
    update response_workflow_starts s
    set attempts = s.attempts + 1,
        last_error = t.error,
        lease_until = null,
        next_attempt_at = now() + make_interval(secs => least(power(2, least(s.attempts, 30)), ${maxBackoffMs / 1000}))
    from unnest(${failed.map((f) => f.response_id)}::int[], ${failed.map((f) => f.error.slice(0, 2_000))}::text[]) as t(response_id, error)
    where s.response_id = t.response_id
  `.execute(db);
}
