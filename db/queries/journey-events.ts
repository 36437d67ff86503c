import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

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
