import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/** Names the advisory locks that give each changed account to one drainer at a time. */
const DRAINER_LOCK_SPACE = 1414;

/**
 * Records that these responses may have moved their account's figures and their user's lists;
 * call it in the transaction that stored them, so a change is never lost nor seen before its
 * response.
 */
export async function recordResponseChanges(db: Kysely<Database>, responseIds: readonly number[]): Promise<void> {
  if (responseIds.length === 0) return;
  await sql`
    insert into derived_state_changes (account_id, user_id)
    select account_id, user_id from nps_responses where id = any(${[...responseIds]}::int[])
  `.execute(db);
}

export interface ClaimedChanges {
  accountIds: number[];
  /** The users to re-decide, each once. */
  userIds: number[];
  /** How long ago the oldest change taken was recorded, by the database's clock. */
  oldestAgeMs: number | null;
}

/**
 * Takes every waiting change of up to `limit` accounts, oldest first, skipping accounts another
 * drainer holds: call it in the transaction that refreshes them. Each account is held (advisory
 * transaction lock) until that transaction ends, and its rows are deleted in it, so a pass that
 * fails leaves them for the next. A change committed after the delete starts stays for the next
 * pass; one committed before is seen by every refresh statement that follows (READ COMMITTED).
 */
export async function claimChangedAccounts(trx: Kysely<Database>, limit: number): Promise<ClaimedChanges> {
  // Candidates beyond `limit`, so a second drainer passes over the accounts the first holds.
  const { rows: held } = await sql<{ account_id: number }>`
    select account_id from (
      select account_id, min(id) as first_id from derived_state_changes
      group by account_id order by first_id limit ${limit * 4}
    ) candidates
    where pg_try_advisory_xact_lock(${DRAINER_LOCK_SPACE}, account_id)
    limit ${limit}
  `.execute(trx);
  if (held.length === 0) return { accountIds: [], userIds: [], oldestAgeMs: null };
  const accountIds = held.map((r) => r.account_id);
  const { rows } = await sql<{ user_ids: number[] | null; age_ms: number | null }>`
    with taken as (
      delete from derived_state_changes where account_id = any(${accountIds}::int[]) returning user_id, changed_at
    )
    select array_agg(distinct user_id) filter (where user_id is not null) as user_ids,
      (extract(epoch from now() - min(changed_at)) * 1000)::float8 as age_ms
    from taken
  `.execute(trx);
  const [taken] = rows;
  return { accountIds, userIds: taken?.user_ids ?? [], oldestAgeMs: taken?.age_ms ?? null };
}

/** How many changes wait, and how long the oldest has, by the database's clock. */
export async function pendingChanges(db: Kysely<Database>): Promise<{ pending: number; oldestAgeMs: number | null }> {
  const { rows } = await sql<{ pending: number; oldest_age_ms: number | null }>`
    select count(*)::int as pending, (extract(epoch from now() - min(changed_at)) * 1000)::float8 as oldest_age_ms
    from derived_state_changes
  `.execute(db);
  return { pending: rows[0]?.pending ?? 0, oldestAgeMs: rows[0]?.oldest_age_ms ?? null };
}
