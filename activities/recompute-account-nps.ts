import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { type NpsSettings, refreshStandardSnapshots } from '../db/queries/account-nps.ts';

export interface RecomputeAccountNpsInput {
  accountIds: number[];
}

/** Refreshes the accounts' NPS snapshots; idempotent, so a retried attempt is harmless. */
export async function recomputeAccountNps(
  db: Kysely<Database>,
  settings: NpsSettings,
  { accountIds }: RecomputeAccountNpsInput,
): Promise<{ recomputed: number }> {
  await refreshStandardSnapshots(db, accountIds, settings);
  return { recomputed: accountIds.length };
}
