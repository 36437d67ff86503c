import { type Kysely, sql } from 'kysely';
import type { NpsCategory } from '../../nps/category.ts';
import type { Database } from '../database.ts';
import { type JourneyEvent, type JourneyEventKind, userJourneyEvents } from './journey-events.ts';

export interface TimelineEntry {
  id: number;
  score: number;
  category: string;
  comment: string | null;
  responded_at: Date;
  received_at: Date;
  source: string;
  account_id: number;
  csm_id: number | null;
}

/**
 * A user's responses in the order they were given, not the order they arrived (a backfill
 * arrives late). Paged by keyset: pass the last entry of a page to get the next.
 */
export async function userTimeline(
  db: Kysely<Database>,
  userId: number,
  page: { limit?: number; after?: Pick<TimelineEntry, 'responded_at' | 'id'> } = {},
): Promise<TimelineEntry[]> {
  let query = db
    .selectFrom('nps_responses')
    .select(['id', 'score', 'category', 'comment', 'responded_at', 'received_at', 'source', 'account_id', 'csm_id'])
    .where('user_id', '=', userId)
    .orderBy('responded_at')
    .orderBy('id')
    .limit(Math.min(page.limit ?? 100, 1_000));
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('responded_at', '>', after.responded_at),
        eb.and([eb('responded_at', '=', after.responded_at), eb('id', '>', after.id)]),
      ]),
    );
  }
  return query.execute();
}

interface TimelineEventBase {
  /**
   * Unique and stable; its leading rank orders events of the same instant (a response, then
   * what its journey did, then list changes). With `at` it is the cursor of the next page.
   */
  eventId: string;
  at: Date;
}

export interface ResponseTimelineEvent extends TimelineEventBase {
  kind: 'response';
  responseId: number;
  score: number;
  category: NpsCategory;
  comment: string | null;
  source: string;
  receivedAt: Date;
  /** The account the response was credited to, when it was given. */
  accountId: number;
  excluded: boolean;
}

export interface ListTimelineEvent extends TimelineEventBase {
  kind: 'list_entered' | 'list_exited';
  ruleId: number;
  list: string;
}

export interface JourneyTimelineEvent extends TimelineEventBase {
  kind: JourneyEventKind;
  journeyName: string;
  enrollmentId: number;
  responseId: number;
  status: string | null;
  outcome: string | null;
  taskId: number | null;
  escalationLevel: number | null;
  assigneeCsmId: number | null;
  assigneeName: string | null;
  dueAt: Date | null;
  completedBy: string | null;
}

export type UserTimelineEvent = ResponseTimelineEvent | ListTimelineEvent | JourneyTimelineEvent;

export type TimelineCursor = Pick<UserTimelineEvent, 'at' | 'eventId'>;

/** The most events one page holds. */
export const MAX_TIMELINE_PAGE = 500;

interface OwnEventRow {
  event_id: string;
  kind: 'response' | 'list_entered' | 'list_exited';
  at: Date;
  response_id: number | null;
  score: number | null;
  category: NpsCategory | null;
  comment: string | null;
  source: string | null;
  received_at: Date | null;
  account_id: number | null;
  excluded: boolean | null;
  rule_id: number | null;
  list: string | null;
}

/**
 * Everything that happened to a user, in time order: their responses, their entries into and
 * exits from lists, and their journeys (enrollments and tasks, db/queries/enrollments.ts).
 * Paged by keyset: pass the last event of a page to get the next; `more` says whether there is one.
 */
export async function userTimelineEvents(
  db: Kysely<Database>,
  userId: number,
  { limit, after }: { limit: number; after?: TimelineCursor },
): Promise<{ events: UserTimelineEvent[]; more: boolean }> {
  const take = Math.min(limit, MAX_TIMELINE_PAGE) + 1;
  const afterCondition = after
    ? sql`where (at, event_id collate "C") > (${after.at}::timestamptz, ${after.eventId}::text collate "C")`
    : sql``;
  const [own, journeys] = await Promise.all([
    sql<OwnEventRow>`
      select * from (
        select '0:response:' || r.id as event_id, 'response' as kind, r.responded_at as at,
          r.id as response_id, r.score, r.category, r.comment, r.source, r.received_at, r.account_id, r.excluded,
          null::integer as rule_id, null::text as list
        from nps_responses r
        where r.user_id = ${userId}
        union all
        select '5:list:' || e.id || ':' || e.event, 'list_' || e.event, e.at,
          null, null, null, null, null, null, null, null, e.rule_id, ru.name
        from list_membership_events e
        join rules ru on ru.id = e.rule_id
        where e.user_id = ${userId}
      ) events
      ${afterCondition}
      order by at, event_id collate "C"
      limit ${take}
    `.execute(db),
    userJourneyEvents(db, userId, { limit: take, ...(after ? { after: { at: after.at, event_id: after.eventId } } : {}) }),
  ]);
  const events: UserTimelineEvent[] = [...own.rows.map(ownEvent), ...journeys.map(journeyEvent)];
  // The same order as the SQL: by time, then by event id compared byte by byte (collate "C").
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const page = Math.min(limit, MAX_TIMELINE_PAGE);
  return { events: events.slice(0, page), more: events.length > page };
}

function ownEvent(row: OwnEventRow): ResponseTimelineEvent | ListTimelineEvent {
  if (row.kind === 'response') {
    return {
      kind: 'response',
      eventId: row.event_id,
      at: row.at,
      responseId: row.response_id!,
      score: row.score!,
      category: row.category!,
      comment: row.comment,
      source: row.source!,
      receivedAt: row.received_at!,
      accountId: row.account_id!,
      excluded: row.excluded!,
    };
  }
  return { kind: row.kind, eventId: row.event_id, at: row.at, ruleId: row.rule_id!, list: row.list! };
}

function journeyEvent(event: JourneyEvent): JourneyTimelineEvent {
  return {
    kind: event.kind,
    eventId: event.event_id,
    at: event.at,
    journeyName: event.journey_name,
    enrollmentId: event.enrollment_id,
    responseId: event.response_id,
    status: event.status,
    outcome: event.outcome,
    taskId: event.task_id,
    escalationLevel: event.escalation_level,
    assigneeCsmId: event.assignee_csm_id,
    assigneeName: event.assignee_name,
    dueAt: event.due_at,
    completedBy: event.completed_by,
  };
}
