import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import { claimChangedAccounts } from '../db/queries/derived-state-changes.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { refreshAfterChange } from './refresh-after-change.ts';

export interface DrainPass {
  accounts: number;
  users: number;
  /** How long the oldest change taken had waited, when the pass began. */
  oldestAgeMs: number | null;
}

/**
 * One pass of the derived-state drainer: takes the changes waiting for up to `limit` accounts
 * (every response that arrived while an account waited, so a wave refreshes each account once per
 * pass, not once per response) and refreshes those accounts' NPS snapshots and health and the
 * changed users' lists, in one transaction with the taking. A pass that fails takes nothing.
 */
export async function drainDerivedStateChanges(db: Kysely<Database>, settings: NpsSettingsAt, { limit }: { limit: number }): Promise<DrainPass> {
  return db.transaction().execute(async (trx) => {
    // A commit lost in a crash brings back the change rows it deleted, so the pass is redone:
    // the figures can be late, never wrong, and the pass need not wait for the disk.
    await sql`set local synchronous_commit = off`.execute(trx);
    const claimed = await claimChangedAccounts(trx, limit);
    if (claimed.accountIds.length === 0) return { accounts: 0, users: 0, oldestAgeMs: null };
    await refreshStandardSnapshots(trx, claimed.accountIds, settings);
    await refreshAfterChange(trx, { accountIds: claimed.accountIds, userIds: claimed.userIds }, settings);
    return { accounts: claimed.accountIds.length, users: claimed.userIds.length, oldestAgeMs: claimed.oldestAgeMs };
  });
}
