import { type Kysely, sql } from 'kysely';

// Every change of an account's owner as it was recorded: who recorded it, when, from when it
// takes effect (a handover can be recorded after the fact) and how many responses it re-credited.
// account_ownership keeps the resulting intervals; this table keeps how they came to be.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_owner_changes')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('csm_id', 'integer', (c) => c.references('csms.id').onDelete('set null'))
    .addColumn('previous_csm_id', 'integer', (c) => c.references('csms.id').onDelete('set null'))
    .addColumn('effective_from', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recredited_responses', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('account_owner_changes_account').on('account_owner_changes').columns(['account_id', 'recorded_at']).execute();
  // The ownership already recorded counts as recorded by the sync that made it.
  await sql`
    insert into account_owner_changes (account_id, csm_id, previous_csm_id, effective_from, recorded_at, recorded_by)
    select o.account_id, o.csm_id, previous.csm_id, o.valid_from, o.valid_from, 'sync'
    from account_ownership o
    left join account_ownership previous on previous.account_id = o.account_id and previous.valid_to = o.valid_from
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_owner_changes').execute();
}
