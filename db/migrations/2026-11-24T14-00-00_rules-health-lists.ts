import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rules')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('list', 'health', 'trigger')`))
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    // Deletion is soft: the row and its history stay, and the name is free for a new rule.
    .addColumn('deleted_at', 'timestamptz')
    .addCheckConstraint('rules_deleted_disabled', sql`deleted_at is null or not enabled`)
    .execute();
  await db.schema
    .createIndex('rules_live_name')
    .on('rules')
    .column('name')
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  // Rows are never updated or deleted: the history of who changed what, and when.
  await db.schema
    .createTable('rule_versions')
    .addColumn('rule_id', 'integer', (c) => c.notNull().references('rules.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('change', 'text', (c) =>
      c.notNull().check(sql`change in ('created', 'updated', 'enabled', 'disabled', 'deleted')`),
    )
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('rule_versions_pk', ['rule_id', 'version'])
    .execute();

  // A colour names the exact rule version that decided it.
  await db.schema
    .createTable('account_health')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('dimension', 'text', (c) => c.notNull().check(sql`dimension in ('relationship', 'service')`))
    .addColumn('colour', 'text', (c) => c.notNull().check(sql`colour in ('green', 'amber', 'red')`))
    .addColumn('reasons', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(reasons) = 'array'`))
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('rule_version', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_health_pk', ['account_id', 'dimension'])
    .addForeignKeyConstraint('account_health_rule_version', ['rule_id', 'rule_version'], 'rule_versions', ['rule_id', 'version'])
    .execute();

  await db.schema
    .createTable('account_health_changes')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('dimension', 'text', (c) => c.notNull().check(sql`dimension in ('relationship', 'service')`))
    .addColumn('from_colour', 'text', (c) => c.check(sql`from_colour in ('green', 'amber', 'red')`))
    .addColumn('to_colour', 'text', (c) => c.notNull().check(sql`to_colour in ('green', 'amber', 'red')`))
    .addColumn('reasons', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(reasons) = 'array'`))
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('rule_version', 'integer', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('account_health_changes_is_change', sql`from_colour is distinct from to_colour`)
    .addForeignKeyConstraint('account_health_changes_rule_version', ['rule_id', 'rule_version'], 'rule_versions', ['rule_id', 'version'])
    .execute();
  await db.schema
    .createIndex('account_health_changes_account_changed')
    .on('account_health_changes')
    .columns(['account_id', 'changed_at'])
    .execute();
  // The feed of all changes since a time, read by alerts and journeys.
  await db.schema
    .createIndex('account_health_changes_changed')
    .on('account_health_changes')
    .columns(['changed_at', 'id'])
    .execute();

  await db.schema
    .createTable('list_members')
    .addColumn('rule_id', 'integer', (c) => c.notNull().references('rules.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addColumn('explanation', 'jsonb')
    .addPrimaryKeyConstraint('list_members_pk', ['rule_id', 'user_id'])
    .execute();
  // The lists a user is in; also serves the cascade when a user is deleted.
  await db.schema.createIndex('list_members_user').on('list_members').column('user_id').execute();

  await db.schema
    .createTable('list_membership_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('rule_id', 'integer', (c) => c.notNull().references('rules.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull().check(sql`event in ('entered', 'exited')`))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('list_membership_events_rule_at')
    .on('list_membership_events')
    .columns(['rule_id', 'at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['list_membership_events', 'list_members', 'account_health_changes', 'account_health', 'rule_versions', 'rules']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
