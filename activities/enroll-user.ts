import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { type EnrollmentContext, enrollmentContext, type ResponseContext } from '../db/queries/enrollment-context.ts';
import { activeOrLatestEnrollment, insertEnrollmentUnlessHeldBack } from '../db/queries/enrollments.ts';
import { getJourney } from '../db/queries/journeys.ts';
import type { Enrollment } from '../db/tables/enrollments.ts';
import type { Journey } from '../db/tables/journeys.ts';
import { cooldownSince, type EnrollmentSkipReason, enrollmentSkipReason } from '../journeys/enrollment-eligibility.ts';
import type { JourneyDefinition } from '../journeys/journey-definition.ts';
import { ResponseNotFoundError } from '../db/queries/response-event.ts';
import { EnrollmentConflictError } from './permanent-errors.ts';

export type { EnrollmentContext } from '../db/queries/enrollment-context.ts';

export interface EnrollUserInput {
  journeyName: string;
  userId: number;
  responseId: number;
  /** The journey workflow's id; the same id and response again is a retry of this enrollment. */
  workflowId: string;
  /** The workflow's time (an ISO string once it has crossed Temporal's JSON payloads). */
  now: Date | string;
}

export type { EnrollmentSkipReason } from '../journeys/enrollment-eligibility.ts';

export type EnrollUserResult =
  | { status: 'enrolled'; enrollmentId: number; definition: JourneyDefinition; context: EnrollmentContext }
  | { status: 'skipped'; reason: EnrollmentSkipReason };

/**
 * Enrolls the user in the journey for a response, copying the journey's definition, unless:
 * the journey is disabled; the response is older than the journey's maxResponseAgeDays (a
 * backfill updates NPS and health but enrolls nobody); the user already has an active
 * enrollment in it; or their previous one started less than cooldownDays ago. Idempotent:
 * called again with the same workflow id and response while that enrollment is active, it
 * returns the same enrollment. Two concurrent enrollments of a user cannot both succeed:
 * the database's unique index refuses the second. `known`: the journey and the response's
 * context as the caller has just read them, to save reading them again. A first enrollment is
 * one statement: the check and the insert together.
 */
export async function enrollUser(
  db: Kysely<Database>,
  input: EnrollUserInput,
  known: { journey?: Journey; response?: ResponseContext } = {},
): Promise<EnrollUserResult> {
  const { journeyName, userId, responseId, workflowId } = input;
  const now = new Date(input.now);
  const journey = known.journey ?? (await getJourney(db, journeyName));
  const response = known.response ?? (await enrollmentContext(db, responseId));
  if (!response || response.user.id !== userId || response.response.id !== responseId) throw new ResponseNotFoundError(responseId, ` by user ${userId}`);
  const { respondedAt, ...context } = response;
  const isThisEnrollment = (enrollment: Enrollment) =>
    enrollment.status === 'active' && enrollment.workflow_id === workflowId && enrollment.response_id === responseId;
  const enrolled = (enrollment: Enrollment): EnrollUserResult => ({
    status: 'enrolled',
    enrollmentId: enrollment.id,
    definition: enrollment.definition,
    context,
  });

  // Disabled, or the response too old: whatever the user's enrollments, this one enrolls nobody new.
  const enrollsNobody = enrollmentSkipReason(journey, respondedAt, undefined, now) !== null;
  for (let attempt = 1; ; attempt++) {
    if (!enrollsNobody) {
      const inserted = await insertEnrollmentUnlessHeldBack(
        db,
        {
          journey_name: journeyName,
          journey_version: journey.version,
          definition: JSON.stringify(journey.definition),
          user_id: userId,
          account_id: context.account.id,
          response_id: responseId,
          workflow_id: workflowId,
          enrolled_at: now,
        },
        cooldownSince(journey.definition, now),
      );
      if (inserted) return enrolled(inserted);
    }
    // Held back: by this call's own earlier attempt (a retry), by another enrollment, or by a
    // concurrent call that enrolled the user first.
    const previous = await activeOrLatestEnrollment(db, journeyName, userId);
    if (previous && isThisEnrollment(previous)) return enrolled(previous);
    const skipped = enrollmentSkipReason(journey, respondedAt, previous && { status: previous.status, enrolledAt: previous.enrolled_at }, now);
    if (skipped) return { status: 'skipped', reason: skipped };
    // What held it back ended in between; once more, then it is not the user's enrollment that does.
    if (attempt === 2) throw new EnrollmentConflictError(workflowId);
  }
}
