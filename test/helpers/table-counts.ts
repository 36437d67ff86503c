import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';

/**
 * A counter of the rows of every table of the app, each count in one statement: the evidence that
 * a refused request changed nothing. The tables are read from the catalogue once, so a new table
 * is counted too.
 */
export async function tableCounter(db: Kysely<Database>): Promise<() => Promise<Record<string, number>>> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(db);
  const counts = sql.join(tables.map(({ table_name }) => sql`(select count(*)::int from ${sql.table(table_name)}) as ${sql.ref(table_name)}`));
  return async () => {
    const { rows: [row] } = await sql<Record<string, number>>`select ${counts}`.execute(db);
    return { ...row };
  };
}

/** Row counts of every table of the app, once. */
export async function tableCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  return (await tableCounter(db))();
}
