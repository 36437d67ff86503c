import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('journeys')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('definition', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(definition) = 'object'`))
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('enrollments')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('journey_name', 'text', (c) => c.notNull().references('journeys.name'))
    .addColumn('journey_version', 'integer', (c) => c.notNull())
    // The definition as it was at enrollment: editing the journey never changes a run in flight.
    .addColumn('definition', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(definition) = 'object'`))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('response_id', 'integer', (c) => c.notNull().references('nps_responses.id').onDelete('cascade'))
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'completed', 'cancelled', 'failed')`))
    .addColumn('outcome', 'text')
    .addColumn('enrolled_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addCheckConstraint('enrollments_ended_when_not_active', sql`(status = 'active') = (ended_at is null)`)
    .execute();
  // The database's half of "at most one active enrollment per user and journey".
  await db.schema
    .createIndex('enrollments_one_active')
    .on('enrollments')
    .columns(['journey_name', 'user_id'])
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();
  // A workflow id per user and journey is reused by a later run after the cooldown, never by two at once.
  await db.schema
    .createIndex('enrollments_active_workflow')
    .on('enrollments')
    .column('workflow_id')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();
  // The cooldown (a user's latest enrollment in a journey) and the user's timeline.
  await db.schema
    .createIndex('enrollments_user_journey_enrolled')
    .on('enrollments')
    .columns(['user_id', 'journey_name', 'enrolled_at'])
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('detractor_follow_up')`))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('response_id', 'integer', (c) => c.notNull().references('nps_responses.id').onDelete('cascade'))
    .addColumn('enrollment_id', 'integer', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    // No cascade: a CSM with tasks is reassigned before being removed.
    .addColumn('assignee_csm_id', 'integer', (c) => c.notNull().references('csms.id'))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'done', 'cancelled')`))
    .addColumn('escalation_level', 'integer', (c) => c.notNull().check(sql`escalation_level >= 0`))
    .addColumn('outcome', 'text')
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('completed_by', 'text')
    .addCheckConstraint('tasks_completed_when_closed', sql`(status = 'open') = (completed_at is null)`)
    .execute();
  // A CSM's queue: open tasks by due time.
  await db.schema
    .createIndex('tasks_assignee_status_due')
    .on('tasks')
    .columns(['assignee_csm_id', 'status', 'due_at'])
    .execute();
  // A user's open tasks (closed when they later answer as a promoter) and their timeline.
  await db.schema.createIndex('tasks_user_status').on('tasks').columns(['user_id', 'status']).execute();
  await db.schema.createIndex('tasks_enrollment').on('tasks').column('enrollment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['tasks', 'enrollments', 'journeys']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
