import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { accountIdsByReference } from '../db/queries/accounts.ts';
import { UsageError } from './usage-error.ts';

/** The one account `--account` names, by external id or exact name, as every command takes it. */
export async function accountIdOf(db: Kysely<Database>, reference: string): Promise<number> {
  const ids = await accountIdsByReference(db, reference);
  if (ids.length === 0) throw new Error(`no account with external id or name "${reference}"`);
  if (ids.length > 1) throw new UsageError(`--account: ${ids.length} accounts are named "${reference}": give the external id instead`);
  return ids[0]!;
}
