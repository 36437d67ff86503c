import type { Kysely } from 'kysely';

// What a stored response changed, for the worker's drainer to refresh per account: written in the
// transaction that stores the response, deleted in the one that refreshes. Append-only, so
// concurrent webhooks never wait on one hot row.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('derived_state_changes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(db.fn('now')))
    .execute();
  await db.schema.createIndex('derived_state_changes_account').on('derived_state_changes').columns(['account_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('derived_state_changes').ifExists().execute();
}
