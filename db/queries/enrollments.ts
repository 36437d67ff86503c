import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import type { EndedEnrollmentStatus } from '../../journeys/enrollment-status.ts';
import type { Enrollment, NewEnrollment } from '../tables/enrollments.ts';

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
