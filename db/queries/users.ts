import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

export interface UserOnAccount {
  id: number;
  externalId: string;
  email: string;
  name: string | null;
  role: string | null;
  account: { id: number; name: string; csmId: number | null };
}

/**
 * The user with this id or email (emails are stored lower-cased), with their account. With
 * `ownerCsmIds`, only a user on an account one of those CSMs owns: anyone else is as if unknown.
 */
export async function findUser(
  db: Kysely<Database>,
  by: { id: number } | { email: string },
  { ownerCsmIds }: { ownerCsmIds?: readonly number[] | undefined } = {},
): Promise<UserOnAccount | undefined> {
  let query = db
    .selectFrom('users as u')
    .innerJoin('accounts as a', 'a.id', 'u.account_id')
    .select(['u.id', 'u.external_id', 'u.email', 'u.name', 'u.role', 'a.id as account_id', 'a.name as account_name', 'a.csm_id']);
  query = 'id' in by ? query.where('u.id', '=', by.id) : query.where('u.email', '=', by.email.trim().toLowerCase());
  if (ownerCsmIds !== undefined) query = query.where('a.csm_id', 'in', [...ownerCsmIds]);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    externalId: row.external_id,
    email: row.email,
    name: row.name,
    role: row.role,
    account: { id: row.account_id, name: row.account_name, csmId: row.csm_id },
  };
}

/** The user with this email (compared as stored: trimmed, lower-cased), or null. */
export async function userIdByEmail(db: Kysely<Database>, email: string): Promise<number | null> {
  const row = await db.selectFrom('users').select('id').where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return row?.id ?? null;
}

/** The ids of the users of these accounts. */
export async function userIdsOfAccounts(db: Kysely<Database>, accountIds: readonly number[]): Promise<number[]> {
  if (accountIds.length === 0) return [];
  const rows = await db.selectFrom('users').select('id').where('account_id', '=', sql<number>`any(${[...accountIds]}::int[])`).execute();
  return rows.map((row) => row.id);
}
