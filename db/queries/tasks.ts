import { type Kysely, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { Database } from '../database.ts';
import type { ClosedTaskStatus, NewTask, Task, TaskStatus } from '../tables/tasks.ts';
import type { CsmContact } from '../tables/csms.ts';
import type { AccountNpsSnapshot } from '../tables/account-nps-snapshots.ts';
import type { CountingMode } from '../../nps/counts.ts';

export interface TaskClosing {
  status: ClosedTaskStatus;
  outcome: string | null;
  completedBy?: string | null;
  /** The database's clock if omitted. */
  at?: Date;
}

/** Inserts an open task unless one with its idempotency key exists: undefined then. */
export async function insertTask(db: Kysely<Database>, task: Omit<NewTask, 'status' | 'outcome' | 'completed_at' | 'completed_by'>): Promise<Task | undefined> {
  return db
    .insertInto('tasks')
    .values({ ...task, status: 'open' })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * insertTask, and from the same statement the manager of `managerOfCsmId` (null when they have
 * none): a follow-up task opened and whom it escalates to, in one round trip. Undefined when the
 * idempotency key was taken.
 */
export async function insertTaskWithManagerOf(
  db: Kysely<Database>,
  task: Omit<NewTask, 'status' | 'outcome' | 'completed_at' | 'completed_by'>,
  managerOfCsmId: number,
): Promise<{ task: Task; manager: CsmContact | null } | undefined> {
  const row = await db
    .with('inserted', (w) =>
      w
        .insertInto('tasks')
        .values({ ...task, status: 'open' })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returningAll(),
    )
    .selectFrom('inserted')
    .selectAll('inserted')
    .select(jsonObjectFrom(managerOfQuery(db, managerOfCsmId)).as('manager'))
    .executeTakeFirst();
  if (!row) return undefined;
  const { manager, ...inserted } = row;
  return { task: inserted, manager };
}

export async function taskByIdempotencyKey(db: Kysely<Database>, idempotencyKey: string): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function getTask(db: Kysely<Database>, taskId: number): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
}

/** An update closing the open tasks among those `where` picks. */
function closeOpenTasks(db: Kysely<Database>, closing: TaskClosing) {
  return db
    .updateTable('tasks')
    .set({
      status: closing.status,
      outcome: closing.outcome,
      completed_by: closing.completedBy ?? null,
      completed_at: closing.at ?? sql<Date>`now()`,
    })
    .where('status', '=', 'open');
}

/** Closes the task if it is still open; undefined when it was already closed (or does not exist). */
export async function closeOpenTask(db: Kysely<Database>, taskId: number, closing: TaskClosing): Promise<Task | undefined> {
  return closeOpenTasks(db, closing).where('id', '=', taskId).returningAll().executeTakeFirst();
}

/** Closes every task of the enrollment still open; returns those it closed. */
export async function closeOpenTasksOfEnrollment(db: Kysely<Database>, enrollmentId: number, closing: TaskClosing): Promise<Task[]> {
  return closeOpenTasks(db, closing).where('enrollment_id', '=', enrollmentId).returningAll().execute();
}

/** The user's open tasks, soonest due first (at most 100: one per journey run and escalation level). */
export async function openTasksOfUser(db: Kysely<Database>, userId: number): Promise<Task[]> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'open')
    .orderBy('due_at')
    .orderBy('id')
    .limit(100)
    .execute();
}

/** The CSM's manager, the next level of escalation; undefined at the top of the chain. */
export async function managerOf(db: Kysely<Database>, csmId: number): Promise<CsmContact | undefined> {
  return managerOfQuery(db, csmId).executeTakeFirst();
}

function managerOfQuery(db: Kysely<Database>, csmId: number) {
  return db.selectFrom('csms as c').innerJoin('csms as m', 'm.id', 'c.manager_id').select(['m.id', 'm.email', 'm.name']).where('c.id', '=', csmId);
}

/** Gives an open task to another CSM; undefined when it is closed (or does not exist). */
export async function reassignOpenTask(db: Kysely<Database>, taskId: number, assigneeCsmId: number): Promise<Task | undefined> {
  return db
    .updateTable('tasks')
    .set({ assignee_csm_id: assigneeCsmId })
    .where('id', '=', taskId)
    .where('status', '=', 'open')
    .returningAll()
    .executeTakeFirst();
}

/** A task as people read it: with its assignee, user, account, response and journey. */
export interface TaskView {
  id: number;
  status: TaskStatus;
  escalationLevel: number;
  dueAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  completedBy: string | null;
  outcome: string | null;
  assignee: CsmContact;
  user: { id: number; email: string; name: string | null };
  account: { id: number; name: string };
  response: { id: number; score: number; comment: string | null };
  enrollmentId: number;
  journeyName: string;
  workflowId: string;
}

export interface TaskFilter {
  /** Only tasks assigned to one of these CSMs. */
  assigneeCsmIds?: readonly number[] | undefined;
  accountId?: number | undefined;
  userId?: number | undefined;
  status?: TaskStatus;
  /** Due strictly before / at or after. */
  dueBefore?: Date;
  dueAfter?: Date;
  /** Only open tasks whose due time is before this instant. */
  overdueAt?: Date;
  enrollmentId?: number;
  /** 100 by default, at most 1000. */
  limit?: number;
  offset?: number;
}

function filteredTasks(db: Kysely<Database>, filter: TaskFilter) {
  let query = db.selectFrom('tasks as t');
  if (filter.assigneeCsmIds !== undefined) query = query.where('t.assignee_csm_id', 'in', [...filter.assigneeCsmIds]);
  if (filter.accountId !== undefined) query = query.where('t.account_id', '=', filter.accountId);
  if (filter.userId !== undefined) query = query.where('t.user_id', '=', filter.userId);
  if (filter.status !== undefined) query = query.where('t.status', '=', filter.status);
  if (filter.dueBefore !== undefined) query = query.where('t.due_at', '<', filter.dueBefore);
  if (filter.dueAfter !== undefined) query = query.where('t.due_at', '>=', filter.dueAfter);
  if (filter.overdueAt !== undefined) query = query.where('t.status', '=', 'open').where('t.due_at', '<', filter.overdueAt);
  if (filter.enrollmentId !== undefined) query = query.where('t.enrollment_id', '=', filter.enrollmentId);
  return query;
}

function taskViewQuery(db: Kysely<Database>, filter: TaskFilter) {
  return filteredTasks(db, filter)
    .innerJoin('csms as c', 'c.id', 't.assignee_csm_id')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .innerJoin('accounts as a', 'a.id', 't.account_id')
    .innerJoin('nps_responses as r', 'r.id', 't.response_id')
    .innerJoin('enrollments as e', 'e.id', 't.enrollment_id')
    .select([
      't.id',
      't.status',
      't.escalation_level',
      't.due_at',
      't.created_at',
      't.completed_at',
      't.completed_by',
      't.outcome',
      't.enrollment_id',
      't.workflow_id',
      'c.id as assignee_id',
      'c.email as assignee_email',
      'c.name as assignee_name',
      'u.id as user_id',
      'u.email as user_email',
      'u.name as user_name',
      'a.id as account_id',
      'a.name as account_name',
      'r.id as response_id',
      'r.score',
      'r.comment',
      'e.journey_name',
    ]);
}

type TaskViewRow = Awaited<ReturnType<ReturnType<typeof taskViewQuery>['executeTakeFirstOrThrow']>>;

function taskView(row: TaskViewRow): TaskView {
  return {
    id: row.id,
    status: row.status,
    escalationLevel: row.escalation_level,
    dueAt: row.due_at,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
    outcome: row.outcome,
    assignee: { id: row.assignee_id, email: row.assignee_email, name: row.assignee_name },
    user: { id: row.user_id, email: row.user_email, name: row.user_name },
    account: { id: row.account_id, name: row.account_name },
    response: { id: row.response_id, score: row.score, comment: row.comment },
    enrollmentId: row.enrollment_id,
    journeyName: row.journey_name,
    workflowId: row.workflow_id,
  };
}

/** What an email about a task tells its reader beside the task itself (taskForEmail). */
export interface TaskForEmail {
  task: TaskView;
  /** The assignee's own zone; null when they have none. */
  assigneeTimeZone: string | null;
  /** The account's stored NPS in the window and counting asked for; null when none is stored. */
  accountNps: Pick<AccountNpsSnapshot, 'nps' | 'margin_of_error' | 'total'> | null;
  /** The user's latest answers, newest first. */
  recentAnswers: { id: number; score: number; comment: string | null; respondedAt: Date }[];
}

/** A task as people read it, and what an email about it adds, from one statement; undefined when the task is gone. */
export async function taskForEmail(
  db: Kysely<Database>,
  taskId: number,
  { window, counting, recentAnswers }: { window: string; counting: CountingMode; recentAnswers: number },
): Promise<TaskForEmail | undefined> {
  const row = await taskViewQuery(db, {})
    .leftJoin('account_nps_snapshots as s', (join) =>
      join.onRef('s.account_id', '=', 't.account_id').on('s.window_key', '=', window).on('s.counting', '=', counting),
    )
    .select((eb) => [
      'c.time_zone as assignee_time_zone',
      's.nps as account_nps',
      's.margin_of_error as account_nps_margin_of_error',
      's.total as account_nps_total',
      jsonArrayFrom(
        eb
          .selectFrom('nps_responses as answer')
          .select(['answer.id', 'answer.score', 'answer.comment', 'answer.responded_at as respondedAt'])
          .whereRef('answer.user_id', '=', 't.user_id')
          .orderBy('answer.responded_at', 'desc')
          .orderBy('answer.id', 'desc')
          .limit(recentAnswers),
      ).as('recent_answers'),
    ])
    .where('t.id', '=', taskId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    task: taskView(row),
    assigneeTimeZone: row.assignee_time_zone,
    accountNps: row.account_nps_total === null ? null : { nps: row.account_nps, margin_of_error: row.account_nps_margin_of_error, total: row.account_nps_total },
    // Times inside JSON arrive as strings.
    recentAnswers: row.recent_answers.map((answer) => ({ ...answer, respondedAt: new Date(answer.respondedAt) })),
  };
}

/** Tasks matching the filter, soonest due first, with how many match in all. */
export async function listTasks(db: Kysely<Database>, filter: TaskFilter = {}): Promise<{ tasks: TaskView[]; total: number }> {
  const [rows, count] = await Promise.all([
    taskViewQuery(db, filter)
      .orderBy('t.due_at')
      .orderBy('t.id')
      .limit(Math.min(filter.limit ?? 100, 1_000))
      .offset(filter.offset ?? 0)
      .execute(),
    filteredTasks(db, filter).select(sql<string>`count(*)`.as('total')).executeTakeFirstOrThrow(),
  ]);
  return { tasks: rows.map(taskView), total: Number(count.total) };
}

export async function getTaskView(db: Kysely<Database>, taskId: number): Promise<TaskView | undefined> {
  const row = await taskViewQuery(db, {}).where('t.id', '=', taskId).executeTakeFirst();
  return row && taskView(row);
}
