import { type Kysely, sql } from 'kysely';

// Emails people act on: each row keeps its sender, reply-to and extra headers (List-Unsubscribe),
// since the row is what goes out; a CSM may read times in their own zone; a customer who
// unsubscribed is recorded once, by address.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('emails')
    .addColumn('from_address', 'text')
    .addColumn('reply_to', 'text')
    .addColumn('headers', 'jsonb')
    .execute();
  await db.schema.alterTable('csms').addColumn('time_zone', 'text').execute();
  await db.schema
    .createTable('email_unsubscribes')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('unsubscribed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('one_click', 'link')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_unsubscribes').execute();
  await db.schema.alterTable('csms').dropColumn('time_zone').execute();
  await db.schema.alterTable('emails').dropColumn('headers').dropColumn('reply_to').dropColumn('from_address').execute();
}
