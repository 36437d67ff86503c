import type { Kysely } from 'kysely';
import type { Database } from './database.ts';

/** Runs `work` in a transaction, or in the caller's when `db` already is one. */
export function inTransaction<R>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<R>): Promise<R> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
