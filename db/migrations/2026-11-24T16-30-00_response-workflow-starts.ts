import { type Kysely, sql } from 'kysely';

// The outbox of the durable start: written in the transaction that stores a response, emptied
// by a relay that starts the response's workflow and marks it started.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('response_workflow_starts')
    .addColumn('response_id', 'integer', (c) => c.primaryKey().references('nps_responses.id').onDelete('cascade'))
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('response_workflow_starts_pending')
    .on('response_workflow_starts')
    .column('requested_at')
    .where(sql.ref('started_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('response_workflow_starts').ifExists().execute();
}
