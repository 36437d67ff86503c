import { type Kysely, sql } from 'kysely';

// The relay claims pending starts with a lease in a short transaction and calls Temporal outside
// it; a start that failed waits out a backoff before the next attempt.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('response_workflow_starts')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`update response_workflow_starts set next_attempt_at = requested_at`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('response_workflow_starts').dropColumn('lease_until').dropColumn('next_attempt_at').execute();
}
