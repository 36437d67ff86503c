import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'csm', 'ingest')`))
    .addColumn('csm_id', 'integer', (c) => c.references('csms.id').onDelete('cascade'))
    // SHA-256 of the token: tokens are 256 random bits, so a fast hash is safe and lookups stay O(1).
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    // A csm token acts for exactly one CSM; the other roles for nobody in particular.
    .addCheckConstraint('api_tokens_csm_role', sql`(role = 'csm') = (csm_id is not null)`)
    .execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('result', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_events_pkey', ['source', 'event_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_events').ifExists().execute();
  await db.schema.dropTable('api_tokens').ifExists().execute();
}
