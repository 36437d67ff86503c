import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';

const ROLL_BACK = new Error('rolled back on purpose');

/** Runs `work` in a transaction that is then rolled back, so that each run of a property starts from the same rows. */
export async function inRolledBackTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      result = { value: await work(trx) };
      throw ROLL_BACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLL_BACK) throw error;
    });
  return (result as { value: T }).value;
}
