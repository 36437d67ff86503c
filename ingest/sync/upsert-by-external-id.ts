import {
  type Insertable,
  type InsertQueryBuilder,
  type InsertResult,
  type Kysely,
  type OnConflictTables,
  type OnConflictUpdateDatabase,
  sql,
  type UpdateObject,
} from 'kysely';
import type { Database } from '../../db/database.ts';

/** The tables a sync writes, each keyed by the external id its records carry. */
type SyncedTable = 'csms' | 'accounts' | 'users' | 'tickets';

type ExcludedValues<T extends SyncedTable> = UpdateObject<OnConflictUpdateDatabase<Database, T>, OnConflictTables<T>, OnConflictTables<T>>;

/**
 * Inserts `rows`, or, where the external id is already stored, overwrites every column the rows
 * give with the incoming value (`excluded.<column>`): a sync record states the whole entity.
 * Columns the rows leave out (id, created_at, a CSM's manager) keep their stored values.
 */
export function upsertByExternalId<T extends SyncedTable>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): InsertQueryBuilder<Database, T, InsertResult> {
  // The external id is the conflict target: the stored row already has it.
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => column !== 'external_id');
  // Kysely cannot check columns of a table left generic; the rows' type already has.
  const excluded = Object.fromEntries(columns.map((column) => [column, sql.ref(`excluded.${column}`)])) as ExcludedValues<T>;
  return db.insertInto(table).values(rows).onConflict((oc) => oc.column('external_id').doUpdateSet(excluded));
}
