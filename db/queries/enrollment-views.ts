import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import type { EnrollmentStatus } from '../../journeys/enrollment-status.ts';

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
  /** Only enrollments of users on the accounts these CSMs own now. */
  visibleToCsmIds?: readonly number[] | undefined;
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
  if (filter.visibleToCsmIds !== undefined) {
    const csmIds = [...filter.visibleToCsmIds];
    query = query.where('u.account_id', 'in', (eb) => eb.selectFrom('accounts').select('id').where('csm_id', 'in', csmIds));
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

/** One enrollment; `visibleToCsmIds` hides it (undefined) unless its user is on those CSMs' accounts. */
export async function getEnrollmentView(
  db: Kysely<Database>,
  enrollmentId: number,
  scope: Pick<EnrollmentFilter, 'visibleToCsmIds'> = {},
): Promise<EnrollmentView | undefined> {
  const row = await enrollmentViewQuery(db, scope).where('e.id', '=', enrollmentId).executeTakeFirst();
  return row && enrollmentView(row);
}
