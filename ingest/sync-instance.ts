import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { type ReplayResult, replayUnknownUserResponses } from './replay-unknown-users.ts';
import type { SyncEntity } from './sync/schemas.ts';
import { type OwnerChange, syncAccounts } from './sync/sync-accounts.ts';
import type { SyncInput, SyncResult } from './sync/sync-batch.ts';
import { syncCsms } from './sync/sync-csms.ts';
import { syncTickets } from './sync/sync-tickets.ts';
import { syncUsers } from './sync/sync-users.ts';

export interface InstanceSyncResult extends SyncResult {
  /** Responses that had been waiting for these users and were taken now. */
  replay: ReplayResult | null;
  /** Accounts whose NPS or tickets changed: their health and lists need refreshing. */
  touchedAccountIds: number[];
  /** Accounts that changed owner: their open follow-up tasks since the handover go to the new owner. */
  ownerChanges: OwnerChange[];
}

/**
 * Adds or updates CSMs, accounts, users or tickets. Syncing users also takes, in the same
 * transaction, the responses those users gave before the instance knew them; their accounts'
 * NPS is then recomputed.
 */
export async function syncInstance(
  db: Kysely<Database>,
  entity: SyncEntity,
  records: SyncInput,
  settings: NpsSettingsAt,
  { recordedBy }: { recordedBy?: string } = {},
): Promise<InstanceSyncResult> {
  const options = { now: settings.now };
  const noOwnerChanges = { ownerChanges: [] };
  switch (entity) {
    case 'csm':
      return { ...(await syncCsms(db, records, options)), replay: null, touchedAccountIds: [], ...noOwnerChanges };
    case 'account': {
      return { ...(await syncAccounts(db, records, { ...options, ...(recordedBy ? { recordedBy } : {}) })), replay: null, touchedAccountIds: [] };
    }
    case 'ticket': {
      const { accountIds, ...result } = await syncTickets(db, records, options);
      return { ...result, replay: null, touchedAccountIds: accountIds, ...noOwnerChanges };
    }
    case 'user': {
      const result = await inTransaction(db, async (trx) => {
        const synced = await syncUsers(trx, records, options);
        const replay = await replayUnknownUserResponses(trx, synced.emails, settings.now);
        return { ...synced, replay };
      });
      await refreshStandardSnapshots(db, result.replay.touchedAccountIds, settings);
      return { ...result, touchedAccountIds: result.replay.touchedAccountIds, ...noOwnerChanges };
    }
  }
}
