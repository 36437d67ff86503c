import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

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
