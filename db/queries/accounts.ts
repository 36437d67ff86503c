import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

export interface AccountWithCsm {
  account: { id: number; externalId: string; name: string; segment: string | null };
  /** The CSM who owns the account now. */
  csm: { id: number; name: string; email: string } | null;
}

/** The account with this id and its CSM. With `ownerCsmIds`, only if one of those CSMs owns it: any other is as if unknown. */
export async function findAccount(
  db: Kysely<Database>,
  accountId: number,
  { ownerCsmIds }: { ownerCsmIds?: readonly number[] | undefined } = {},
): Promise<AccountWithCsm | undefined> {
  let query = db
    .selectFrom('accounts as a')
    .leftJoin('csms as c', 'c.id', 'a.csm_id')
    .select(['a.id', 'a.external_id', 'a.name', 'a.segment', 'c.id as csm_id', 'c.name as csm_name', 'c.email as csm_email'])
    .where('a.id', '=', accountId);
  if (ownerCsmIds !== undefined) query = query.where('a.csm_id', 'in', [...ownerCsmIds]);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return {
    account: { id: row.id, externalId: row.external_id, name: row.name, segment: row.segment },
    csm: row.csm_id === null || row.csm_name === null || row.csm_email === null ? null : { id: row.csm_id, name: row.csm_name, email: row.csm_email },
  };
}

/** Whether the instance has any account yet: a fresh one gets the demo. */
export async function hasAnyAccount(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('accounts').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** The accounts a person may mean by `reference`: its external id, else its exact name (several may share one). */
export async function accountIdsByReference(db: Kysely<Database>, reference: string): Promise<number[]> {
  const byExternalId = await db.selectFrom('accounts').select('id').where('external_id', '=', reference).execute();
  if (byExternalId.length > 0) return byExternalId.map((row) => row.id);
  const byName = await db.selectFrom('accounts').select('id').where('name', '=', reference).orderBy('id').limit(10).execute();
  return byName.map((row) => row.id);
}

/** The ids of the accounts these CSMs own now. */
export async function accountIdsOwnedBy(db: Kysely<Database>, csmIds: readonly number[]): Promise<number[]> {
  if (csmIds.length === 0) return [];
  return (await db.selectFrom('accounts').select('id').where('csm_id', 'in', [...csmIds]).execute()).map((row) => row.id);
}
