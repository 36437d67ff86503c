import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('review_link_clicks')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('enrollment_id', 'integer', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('clicked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('review_link_clicks_enrollment').on('review_link_clicks').column('enrollment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('review_link_clicks').ifExists().execute();
}
