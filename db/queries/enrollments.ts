import { type Kysely, sql } from 'kysely';
import type { NpsCategory } from '../../nps/category.ts';
import type { Database } from '../database.ts';
import type { EndedEnrollmentStatus, EnrollmentStatus } from '../../journeys/enrollment-status.ts';
import type { Enrollment, NewEnrollment } from '../tables/enrollments.ts';

/** What a journey needs to know about the user and the response that enrolled them; JSON-safe for workflows. */
export interface EnrollmentContext {
  user: { id: number; email: string; name: string | null; firstName: string | null };
  /** The account the user was on when they answered. */
  account: { id: number; name: string };
  /** The CSM who owned the account when the response was given; null when nobody did. */
  csm: { id: number; email: string; name: string } | null;
  response: { id: number; score: number; category: NpsCategory; comment: string | null; respondedAt: string };
}

/** The context of a response, with when it was given; undefined when there is no such response. */
export async function enrollmentContext(
  db: Kysely<Database>,
  responseId: number,
): Promise<(EnrollmentContext & { respondedAt: Date }) | undefined> {
  const row = await db
    .selectFrom('nps_responses as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .innerJoin('accounts as a', 'a.id', 'r.account_id')
    .leftJoin('csms as c', 'c.id', 'r.csm_id')
    .select([
      'r.id as response_id',
      'r.score',
      'r.category',
      'r.comment',
      'r.responded_at',
      'u.id as user_id',
      'u.email as user_email',
      'u.name as user_name',
      'a.id as account_id',
      'a.name as account_name',
      'c.id as csm_id',
      'c.email as csm_email',
      'c.name as csm_name',
    ])
    .where('r.id', '=', responseId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    user: { id: row.user_id, email: row.user_email, name: row.user_name, firstName: row.user_name?.trim().split(/\s+/)[0] || null },
    account: { id: row.account_id, name: row.account_name },
    csm: row.csm_id === null || row.csm_email === null || row.csm_name === null ? null : { id: row.csm_id, email: row.csm_email, name: row.csm_name },
    response: {
      id: row.response_id,
      score: row.score,
      category: row.category,
      comment: row.comment,
      respondedAt: row.responded_at.toISOString(),
    },
    respondedAt: row.responded_at,
  };
}

/**
 * The user's active enrollment in the journey if there is one, else their latest: the one a new
 * enrollment must wait for, or whose start the cooldown counts from.
 */
export async function activeOrLatestEnrollment(db: Kysely<Database>, journeyName: string, userId: number): Promise<Enrollment | undefined> {
  return db
    .selectFrom('enrollments')
    .selectAll()
    .where('user_id', '=', userId)
    .where('journey_name', '=', journeyName)
    .orderBy(sql`status = 'active'`, 'desc')
    .orderBy('enrolled_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Inserts an active enrollment unless the user already has one in the journey (or the workflow
 * id is already running one): undefined then. The unique indexes decide, so two concurrent
 * enrollments of the same user cannot both succeed.
 */
export async function insertEnrollment(
  db: Kysely<Database>,
  enrollment: Omit<NewEnrollment, 'status' | 'outcome' | 'ended_at'>,
): Promise<Enrollment | undefined> {
  return db
    .insertInto('enrollments')
    .values({ ...enrollment, status: 'active' })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function getEnrollment(db: Kysely<Database>, enrollmentId: number): Promise<Enrollment | undefined> {
  return db.selectFrom('enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
}

/** Ends the enrollment if it is still active; undefined when it had already ended (or does not exist). */
export async function endActiveEnrollment(
  db: Kysely<Database>,
  enrollmentId: number,
  end: { status: EndedEnrollmentStatus; outcome: string | null; at?: Date },
): Promise<Enrollment | undefined> {
  return db
    .updateTable('enrollments')
    .set({ status: end.status, outcome: end.outcome, ended_at: end.at ?? sql<Date>`now()` })
    .where('id', '=', enrollmentId)
    .where('status', '=', 'active')
    .returningAll()
    .executeTakeFirst();
}

export const JOURNEY_EVENT_KINDS = [
  'enrollment_started',
  'enrollment_ended',
  'task_created',
  /** A task created one or more levels above the owning CSM, because the level below let the SLA pass. */
  'task_escalated',
  'task_completed',
  'task_cancelled',
] as const;
export type JourneyEventKind = (typeof JOURNEY_EVENT_KINDS)[number];

/** One thing that happened in a user's journeys, for their timeline. */
export interface JourneyEvent {
  /**
   * Unique and stable, e.g. "2:task:7:created". Its leading rank orders events of the same
   * instant as they happen (a run starts, its tasks are created, then closed, the run ends);
   * with `at` it is the cursor of the next page.
   */
  event_id: string;
  kind: JourneyEventKind;
  at: Date;
  journey_name: string;
  enrollment_id: number;
  /** The response that started the enrollment. */
  response_id: number;
  /** enrollment_ended: completed, cancelled or failed. */
  status: string | null;
  /** enrollment_ended, task_completed and task_cancelled: what came of it. */
  outcome: string | null;
  task_id: number | null;
  escalation_level: number | null;
  assignee_csm_id: number | null;
  assignee_name: string | null;
  due_at: Date | null;
  completed_by: string | null;
}

/**
 * What happened in a user's journeys, in time order, to interleave with their responses on the
 * timeline: enrollments started and ended (with the outcome), tasks created, escalated and
 * closed. Paged by keyset: pass the last event of a page to get the next.
 */
export async function userJourneyEvents(
  db: Kysely<Database>,
  userId: number,
  page: { limit?: number; after?: Pick<JourneyEvent, 'at' | 'event_id'> } = {},
): Promise<JourneyEvent[]> {
  const limit = Math.min(page.limit ?? 100, 1_000);
  const after = page.after
    ? sql`where (at, event_id collate "C") > (${page.after.at}::timestamptz, ${page.after.event_id}::text collate "C")`
    : sql``;
  const { rows } = await sql<JourneyEvent>`
    select * from (
      -- Times at millisecond precision, as a Date holds them: a page's cursor then compares exactly.
      select '1:enrollment:' || e.id || ':started' as event_id, 'enrollment_started' as kind, date_trunc('milliseconds', e.enrolled_at) as at,
             e.journey_name, e.id as enrollment_id, e.response_id, null::text as status, null::text as outcome,
             null::integer as task_id, null::integer as escalation_level, null::integer as assignee_csm_id,
             null::text as assignee_name, null::timestamptz as due_at, null::text as completed_by
        from enrollments e
       where e.user_id = ${userId}
      union all
      select '4:enrollment:' || e.id || ':ended', 'enrollment_ended', date_trunc('milliseconds', e.ended_at),
             e.journey_name, e.id, e.response_id, e.status, e.outcome,
             null, null, null, null, null, null
        from enrollments e
       where e.user_id = ${userId} and e.ended_at is not null
      union all
      select '2:task:' || t.id || ':created', case when t.escalation_level = 0 then 'task_created' else 'task_escalated' end, date_trunc('milliseconds', t.created_at),
             e.journey_name, e.id, t.response_id, null, null,
             t.id, t.escalation_level, t.assignee_csm_id, c.name, t.due_at, null
        from tasks t
        join enrollments e on e.id = t.enrollment_id
        join csms c on c.id = t.assignee_csm_id
       where t.user_id = ${userId}
      union all
      select '3:task:' || t.id || ':closed', case when t.status = 'done' then 'task_completed' else 'task_cancelled' end, date_trunc('milliseconds', t.completed_at),
             e.journey_name, e.id, t.response_id, null, t.outcome,
             t.id, t.escalation_level, t.assignee_csm_id, c.name, t.due_at, t.completed_by
        from tasks t
        join enrollments e on e.id = t.enrollment_id
        join csms c on c.id = t.assignee_csm_id
       where t.user_id = ${userId} and t.completed_at is not null
    ) events
    ${after}
    order by at, event_id collate "C"
    limit ${limit}
  `.execute(db);
  return rows;
}

/** An enrollment as people read it: with its user and the account they answered from. */
export interface EnrollmentView {
  id: number;
  journeyName: string;
  journeyVersion: number;
  status: EnrollmentStatus;
  outcome: string | null;
  enrolledAt: Date;
  endedAt: Date | null;
  /** The journey's workflow id: find it in the Temporal UI by this. */
  workflowId: string;
  user: { id: number; email: string; name: string | null };
  account: { id: number; name: string };
  responseId: number;
}

export interface EnrollmentFilter {
  journeyName?: string;
  status?: EnrollmentStatus;
  /** A user id ("12") or email. */
  user?: string;
  /** Only enrollments of users on the accounts this CSM owns now. */
  visibleToCsmId?: number;
  /** 100 by default, at most 1000. */
  limit?: number;
  offset?: number;
}

function filteredEnrollments(db: Kysely<Database>, filter: EnrollmentFilter) {
  let query = db.selectFrom('enrollments as e').innerJoin('users as u', 'u.id', 'e.user_id');
  if (filter.journeyName !== undefined) query = query.where('e.journey_name', '=', filter.journeyName);
  if (filter.status !== undefined) query = query.where('e.status', '=', filter.status);
  if (filter.user !== undefined) {
    const user = filter.user.trim();
    // An id beyond the integer column's range names nobody (and must not reach PostgreSQL as one).
    if (/^\d+$/.test(user)) query = query.where('u.id', '=', Number(user) <= 2_147_483_647 ? Number(user) : 0);
    else query = query.where('u.email', '=', user.toLowerCase());
  }
  if (filter.visibleToCsmId !== undefined) {
    const csmId = filter.visibleToCsmId;
    query = query.where('u.account_id', 'in', (eb) => eb.selectFrom('accounts').select('id').where('csm_id', '=', csmId));
  }
  return query;
}

function enrollmentViewQuery(db: Kysely<Database>, filter: EnrollmentFilter) {
  return filteredEnrollments(db, filter)
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .select([
      'e.id',
      'e.journey_name',
      'e.journey_version',
      'e.status',
      'e.outcome',
      'e.enrolled_at',
      'e.ended_at',
      'e.workflow_id',
      'e.response_id',
      'u.id as user_id',
      'u.email as user_email',
      'u.name as user_name',
      'a.id as account_id',
      'a.name as account_name',
    ]);
}

type EnrollmentViewRow = Awaited<ReturnType<ReturnType<typeof enrollmentViewQuery>['executeTakeFirstOrThrow']>>;

function enrollmentView(row: EnrollmentViewRow): EnrollmentView {
  return {
    id: row.id,
    journeyName: row.journey_name,
    journeyVersion: row.journey_version,
    status: row.status,
    outcome: row.outcome,
    enrolledAt: row.enrolled_at,
    endedAt: row.ended_at,
    workflowId: row.workflow_id,
    user: { id: row.user_id, email: row.user_email, name: row.user_name },
    account: { id: row.account_id, name: row.account_name },
    responseId: row.response_id,
  };
}

/** Enrollments matching the filter, latest first, with how many match in all. */
export async function listEnrollments(db: Kysely<Database>, filter: EnrollmentFilter = {}): Promise<{ enrollments: EnrollmentView[]; total: number }> {
  const [rows, count] = await Promise.all([
    enrollmentViewQuery(db, filter)
      .orderBy('e.enrolled_at', 'desc')
      .orderBy('e.id', 'desc')
      .limit(Math.min(filter.limit ?? 100, 1_000))
      .offset(filter.offset ?? 0)
      .execute(),
    filteredEnrollments(db, filter).select(sql<string>`count(*)`.as('total')).executeTakeFirstOrThrow(),
  ]);
  return { enrollments: rows.map(enrollmentView), total: Number(count.total) };
}

/** One enrollment; `visibleToCsmId` hides it (undefined) unless its user is on that CSM's accounts. */
export async function getEnrollmentView(
  db: Kysely<Database>,
  enrollmentId: number,
  scope: Pick<EnrollmentFilter, 'visibleToCsmId'> = {},
): Promise<EnrollmentView | undefined> {
  const row = await enrollmentViewQuery(db, scope).where('e.id', '=', enrollmentId).executeTakeFirst();
  return row && enrollmentView(row);
}

/** How a journey is doing: its enrollments by status, those escalated, and its tasks open and overdue. */
export interface JourneyStatusCounts {
  journeyName: string;
  enabled: boolean;
  active: number;
  completed: number;
  cancelled: number;
  failed: number;
  /** Enrollments with a task escalated above the owning CSM. */
  escalated: number;
  openTasks: number;
  /** Open tasks past their due time at `now`. */
  overdueTasks: number;
}

/** Every journey's counts (or one's, by name), by name. */
export async function journeyStatusCounts(db: Kysely<Database>, { now, journeyName }: { now: Date; journeyName?: string }): Promise<JourneyStatusCounts[]> {
  const only = journeyName === undefined ? sql`` : sql`where j.name = ${journeyName}`;
  const { rows } = await sql<JourneyStatusCounts>`
    select j.name as "journeyName", j.enabled,
           coalesce(e.active, 0) as active, coalesce(e.completed, 0) as completed,
           coalesce(e.cancelled, 0) as cancelled, coalesce(e.failed, 0) as failed,
           coalesce(t.escalated, 0) as escalated, coalesce(t.open_tasks, 0) as "openTasks",
           coalesce(t.overdue_tasks, 0) as "overdueTasks"
      from journeys j
      left join (
        select journey_name,
               (count(*) filter (where status = 'active'))::int as active,
               (count(*) filter (where status = 'completed'))::int as completed,
               (count(*) filter (where status = 'cancelled'))::int as cancelled,
               (count(*) filter (where status = 'failed'))::int as failed
          from enrollments
         group by journey_name
      ) e on e.journey_name = j.name
      left join (
        select en.journey_name,
               (count(distinct t.enrollment_id) filter (where t.escalation_level > 0))::int as escalated,
               (count(*) filter (where t.status = 'open'))::int as open_tasks,
               (count(*) filter (where t.status = 'open' and t.due_at < ${now}))::int as overdue_tasks
          from tasks t
          join enrollments en on en.id = t.enrollment_id
         group by en.journey_name
      ) t on t.journey_name = j.name
    ${only}
    order by j.name
  `.execute(db);
  return rows;
}
