import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import type { AccountHealthChange } from '../db/tables/account-health-changes.ts';
import { refreshAccountHealth } from '../health/refresh-account-health.ts';
import { type ListRefreshSummary, refreshLists } from '../lists/refresh-lists.ts';

export interface DerivedStateRefresh {
  healthChanges: AccountHealthChange[];
  lists: ListRefreshSummary[];
}

/**
 * After responses, users or tickets change: the health of the accounts touched, and the list
 * membership of the users touched (or of everyone, after a bulk import); lists that read an
 * account's figures re-decide every user of the accounts touched.
 */
export async function refreshAfterChange(
  db: Kysely<Database>,
  touched: { accountIds: readonly number[] | 'all'; userIds: readonly number[] | 'all' },
  settings: NpsSettingsAt,
): Promise<DerivedStateRefresh> {
  const health = await refreshAccountHealth(db, touched.accountIds, settings);
  const lists = await refreshLists(
    db,
    settings,
    touched.userIds === 'all' ? {} : { userIds: touched.userIds, ...(touched.accountIds === 'all' ? {} : { accountIds: touched.accountIds }) },
  );
  return { healthChanges: health.changes, lists };
}

/**
 * Every account's NPS snapshots and health, and every list: what time alone moves (rolling windows,
 * "in the last 30 days"). The hourly schedule and `npm start` run it.
 */
export async function refreshEverything(db: Kysely<Database>, settings: NpsSettingsAt): Promise<DerivedStateRefresh & { accounts: number }> {
  const accounts = await refreshStandardSnapshots(db, 'all', settings);
  return { accounts, ...(await refreshAfterChange(db, { accountIds: 'all', userIds: 'all' }, settings)) };
}
