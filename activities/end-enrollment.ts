import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { endActiveEnrollment, getEnrollment } from '../db/queries/enrollments.ts';
import { closeOpenTasksOfEnrollment } from '../db/queries/tasks.ts';
import type { EndedEnrollmentStatus, EnrollmentStatus } from '../journeys/enrollment-status.ts';

export class EnrollmentNotFoundError extends Error {
  override readonly name = 'EnrollmentNotFoundError';
  constructor(readonly enrollmentId: number) {
    super(`no enrollment with id ${enrollmentId}`);
  }
}

export interface EndEnrollmentInput {
  enrollmentId: number;
  status: EndedEnrollmentStatus;
  outcome: string | null;
  /** The workflow's time (an ISO string once it has crossed Temporal's JSON payloads); the database's clock if omitted. */
  at?: Date | string;
}

export interface EndEnrollmentResult {
  /** True when the enrollment had ended before: nothing changed, and it keeps how it ended then. */
  alreadyEnded: boolean;
  status: EnrollmentStatus;
  outcome: string | null;
  /** Tasks of the run still open, closed as cancelled because the run is over. */
  cancelledTaskIds: number[];
}

/**
 * Ends an active enrollment, frees the user for a later one (after the cooldown) and cancels
 * the run's tasks still open, e.g. the CSM's when their manager completed the escalated one.
 * Idempotent: ending an enrollment that has ended changes nothing and says so.
 */
export async function endEnrollment(db: Kysely<Database>, input: EndEnrollmentInput): Promise<EndEnrollmentResult> {
  const at = input.at === undefined ? undefined : new Date(input.at);
  return inTransaction(db, async (trx) => {
    const ended = await endActiveEnrollment(trx, input.enrollmentId, { status: input.status, outcome: input.outcome, at });
    if (!ended) {
      const enrollment = await getEnrollment(trx, input.enrollmentId);
      if (!enrollment) throw new EnrollmentNotFoundError(input.enrollmentId);
      return { alreadyEnded: true, status: enrollment.status, outcome: enrollment.outcome, cancelledTaskIds: [] };
    }
    const cancelled = await closeOpenTasksOfEnrollment(trx, input.enrollmentId, {
      status: 'cancelled',
      outcome: `journey ${input.status}${input.outcome === null ? '' : `: ${input.outcome}`}`,
      at,
    });
    return { alreadyEnded: false, status: ended.status, outcome: ended.outcome, cancelledTaskIds: cancelled.map((task) => task.id) };
  });
}
