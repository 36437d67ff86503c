import { type Kysely, sql } from 'kysely';

// Ids are 32-bit identities: ample for an NPS instance, and both drivers return them as numbers.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('csms')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('manager_id', 'integer', (c) => c.references('csms.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('csms_not_own_manager', sql`manager_id is distinct from id`)
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('segment', 'text')
    .addColumn('csm_id', 'integer', (c) => c.references('csms.id').onDelete('set null'))
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('accounts_csm_id').on('accounts').column('csm_id').execute();

  await db.schema
    .createTable('account_ownership')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('csm_id', 'integer', (c) => c.references('csms.id').onDelete('set null'))
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    .addColumn('valid_to', 'timestamptz')
    .addCheckConstraint('account_ownership_interval', sql`valid_to is null or valid_to > valid_from`)
    .execute();
  await db.schema
    .createIndex('account_ownership_account_from')
    .on('account_ownership')
    .columns(['account_id', 'valid_from'])
    .execute();
  // At most one open-ended ownership per account.
  await db.schema
    .createIndex('account_ownership_one_current')
    .on('account_ownership')
    .column('account_id')
    .unique()
    .where(sql.ref('valid_to'), 'is', null)
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull().unique().check(sql`email = lower(email)`))
    .addColumn('name', 'text')
    .addColumn('role', 'text')
    .addColumn('persona', 'text')
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('users_account_id').on('users').column('account_id').execute();

  await db.schema
    .createTable('nps_responses')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('csm_id', 'integer', (c) => c.references('csms.id').onDelete('set null'))
    .addColumn('score', 'smallint', (c) => c.notNull().check(sql`score between 0 and 10`))
    .addColumn('category', 'text', (c) =>
      c.notNull().generatedAlwaysAs(
        sql`case when score >= 9 then 'promoter' when score >= 7 then 'passive' else 'detractor' end`,
      ).stored(),
    )
    .addColumn('comment', 'text')
    .addColumn('responded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_response_id', 'text', (c) => c.notNull())
    .addColumn('excluded', 'boolean', (c) => c.notNull().defaultTo(false))
    .addUniqueConstraint('nps_responses_source_response', ['source', 'source_response_id'])
    .execute();
  await db.schema
    .createIndex('nps_responses_account_responded')
    .on('nps_responses')
    .columns(['account_id', 'responded_at'])
    .execute();
  // A user's responses newest first, carrying score and category: "the user's latest response"
  // (lists over every user, trigger facts) is then an index-only lookup, and timelines a range scan.
  await sql`
    create index nps_responses_user_latest
    on nps_responses (user_id, responded_at desc, id desc) include (score, category)
  `.execute(db);
  await db.schema
    .createIndex('nps_responses_csm_responded')
    .on('nps_responses')
    .columns(['csm_id', 'responded_at'])
    .execute();

  await db.schema
    .createTable('rejected_responses')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('unknown_user', 'invalid')`))
    .addColumn('issues', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('line', 'integer')
    .addColumn('email', 'text')
    .addColumn('source_response_id', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    // The validated response, kept for unknown_user rejections so they can be replayed as they were.
    .addColumn('response', 'jsonb')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('replayed_at', 'timestamptz')
    .addColumn('replayed_response_id', 'integer', (c) => c.references('nps_responses.id').onDelete('set null'))
    .execute();
  // A response redelivered while its user is still unknown stays one pending rejection.
  await db.schema
    .createIndex('rejected_responses_pending_unknown_user')
    .on('rejected_responses')
    .columns(['source', 'source_response_id'])
    .unique()
    .where(sql<boolean>`reason = 'unknown_user' and replayed_at is null`)
    .execute();
  // Replay looks up pending unknown-user rejections by email.
  await db.schema
    .createIndex('rejected_responses_pending_email')
    .on('rejected_responses')
    .column('email')
    .where(sql.ref('replayed_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('priority', 'text', (c) => c.notNull().check(sql`priority in ('low', 'normal', 'high', 'critical')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'pending', 'solved', 'closed')`))
    .addColumn('subject', 'text')
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('tickets_account_status').on('tickets').columns(['account_id', 'status']).execute();

  await db.schema
    .createTable('account_nps_snapshots')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('window_key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('window_end', 'timestamptz', (c) => c.notNull())
    .addColumn('counting', 'text', (c) => c.notNull())
    .addColumn('promoters', 'integer', (c) => c.notNull())
    .addColumn('passives', 'integer', (c) => c.notNull())
    .addColumn('detractors', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('nps', 'double precision')
    .addColumn('margin_of_error', 'double precision')
    .addColumn('sources', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('last_response_at', 'timestamptz')
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_nps_snapshots_pk', ['account_id', 'window_key'])
    .execute();

  await db.schema
    .createTable('source_sync_state')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('last_synced_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_response_at', 'timestamptz')
    .addColumn('received_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('accepted_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'source_sync_state',
    'account_nps_snapshots',
    'tickets',
    'rejected_responses',
    'nps_responses',
    'users',
    'account_ownership',
    'accounts',
    'csms',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
