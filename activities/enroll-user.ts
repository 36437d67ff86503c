import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { type EnrollmentContext, enrollmentContext } from '../db/queries/enrollment-context.ts';
import { activeOrLatestEnrollment, insertEnrollment } from '../db/queries/enrollments.ts';
import { getJourney } from '../db/queries/journeys.ts';
import type { Enrollment } from '../db/tables/enrollments.ts';
import type { Journey } from '../db/tables/journeys.ts';
import { type EnrollmentSkipReason, enrollmentSkipReason } from '../journeys/enrollment-eligibility.ts';
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
 * the database's unique index refuses the second. `journeyRead`: the journey as the caller has
 * just read it, to save reading it again.
 */
export async function enrollUser(db: Kysely<Database>, input: EnrollUserInput, journeyRead?: Journey): Promise<EnrollUserResult> {
  const { journeyName, userId, responseId, workflowId } = input;
  const now = new Date(input.now);
  const journey = journeyRead ?? (await getJourney(db, journeyName));
  const response = await enrollmentContext(db, responseId);
  if (!response || response.user.id !== userId) throw new ResponseNotFoundError(responseId, ` by user ${userId}`);
  const { respondedAt, ...context } = response;
  const isThisEnrollment = (enrollment: Enrollment) =>
    enrollment.status === 'active' && enrollment.workflow_id === workflowId && enrollment.response_id === responseId;
  const enrolled = (enrollment: Enrollment): EnrollUserResult => ({
    status: 'enrolled',
    enrollmentId: enrollment.id,
    definition: enrollment.definition,
    context,
  });

  const previous = await activeOrLatestEnrollment(db, journeyName, userId);
  if (previous && isThisEnrollment(previous)) return enrolled(previous);
  const definition = journey.definition;
  const skipped = enrollmentSkipReason(journey, respondedAt, previous && { status: previous.status, enrolledAt: previous.enrolled_at }, now);
  if (skipped) return { status: 'skipped', reason: skipped };

  const inserted = await insertEnrollment(db, {
    journey_name: journeyName,
    journey_version: journey.version,
    definition: JSON.stringify(definition),
    user_id: userId,
    account_id: context.account.id,
    response_id: responseId,
    workflow_id: workflowId,
    enrolled_at: now,
  });
  if (inserted) return enrolled(inserted);
  // A concurrent call enrolled the user first: this call's own twin, or another response's.
  const winner = await activeOrLatestEnrollment(db, journeyName, userId);
  if (winner && isThisEnrollment(winner)) return enrolled(winner);
  if (winner?.status === 'active') return { status: 'skipped', reason: 'already_active' };
  throw new EnrollmentConflictError(workflowId);
}
