import { CancellationScope, isCancellation, proxyActivities, TemporalFailure } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retriedActivities } from './activity-options.ts';

const { endEnrollment } = proxyActivities<Activities>(retriedActivities);

/**
 * Runs a journey and, should it fail for good (a step that ran out of retries, a cancellation
 * from the Temporal UI), ends its enrollment with the reason before the failure propagates: the
 * user is not left enrolled in a run that will never act, and ops see why. Errors that are not
 * Temporal failures are bugs in the workflow code: they fail the workflow task, which Temporal
 * retries after a fix is deployed, so they pass through untouched.
 */
export async function endEnrollmentOnFailure<T>(enrollmentId: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof TemporalFailure)) throw error;
    const cancelled = isCancellation(error);
    await CancellationScope.nonCancellable(() =>
      endEnrollment({
        enrollmentId,
        status: cancelled ? 'cancelled' : 'failed',
        outcome: cancelled ? 'the journey was cancelled' : `the journey failed: ${failureText(error)}`,
        at: new Date(Date.now()).toISOString(),
      }),
    );
    throw error;
  }
}

/** The failure with its causes: "Activity task failed: Invalid recipient …". */
function failureText(error: Error): string {
  const parts: string[] = [];
  for (let cause: unknown = error; cause instanceof Error && parts.length < 4; cause = cause.cause) parts.push(cause.message);
  return parts.filter(Boolean).join(': ').slice(0, 1_000);
}
