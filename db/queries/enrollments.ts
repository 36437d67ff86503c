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
 * Inserts an active enrollment unless one the user already has in the journey holds it back: an
 * active one, or one started after `cooldownSince`. The check and the insert are one statement;
 * undefined when held back, or when a concurrent enrollment won (the unique indexes decide).
 */
export async function insertEnrollmentUnlessHeldBack(
  db: Kysely<Database>,
  enrollment: Omit<NewEnrollment, 'status' | 'outcome' | 'ended_at'>,
  cooldownSince: Date,
): Promise<Enrollment | undefined> {
  const { journey_name, journey_version, definition, user_id, account_id, response_id, workflow_id, enrolled_at } = enrollment;
  return db
    .insertInto('enrollments')
    .columns(['journey_name', 'journey_version', 'definition', 'user_id', 'account_id', 'response_id', 'workflow_id', 'enrolled_at', 'status'])
    .expression(
      // Typed casts: in a SELECT list a bare parameter would be text.
      db
        .selectNoFrom((eb) => [
          eb.cast(eb.val(journey_name), 'text').as('journey_name'),
          eb.cast(eb.val(journey_version), 'integer').as('journey_version'),
          eb.cast(eb.val(definition), 'jsonb').as('definition'),
          eb.cast(eb.val(user_id), 'integer').as('user_id'),
          eb.cast(eb.val(account_id), 'integer').as('account_id'),
          eb.cast(eb.val(response_id), 'integer').as('response_id'),
          eb.cast(eb.val(workflow_id), 'text').as('workflow_id'),
          eb.cast(eb.val(enrolled_at), 'timestamptz').as('enrolled_at'),
          eb.cast(eb.val('active'), 'text').as('status'),
        ])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('enrollments as held')
                .select('held.id')
                .where('held.user_id', '=', user_id)
                .where('held.journey_name', '=', journey_name)
                .where((held) => held.or([held('held.status', '=', 'active'), held('held.enrolled_at', '>', cooldownSince)])),
            ),
          ),
        ),
    )
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
