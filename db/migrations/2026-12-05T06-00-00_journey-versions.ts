import { type Kysely, sql } from 'kysely';

// A journey's history, as rules have theirs: one row per change, never updated. No foreign key to
// journeys: a journey that never enrolled anyone may be deleted, and the row saying so stays.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('journey_versions')
    .addColumn('journey_id', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('definition', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(definition) = 'object'`))
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull().check(sql`change in ('created', 'updated', 'enabled', 'disabled', 'deleted')`))
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('journey_versions_pk', ['journey_id', 'version'])
    .execute();

  // Earlier changes were not kept: each journey's history starts at the version it has now.
  await sql`
    insert into journey_versions (journey_id, version, definition, enabled, changed_by, changed_at, change)
    select id, version, definition, enabled, updated_by, updated_at, 'created' from journeys
  `.execute(db);
}
