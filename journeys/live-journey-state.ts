import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { EnrollmentStatus } from './enrollment-status.ts';
import { temporalErrorText } from './tell-journey.ts';
import { type JourneyState, journeyStateQuery } from './journey-messages.ts';

/** A query waits for a worker to answer it: without one it would hang, so it gets a deadline. */
const QUERY_DEADLINE_MS = 5_000;

/** Where a running journey is now, or why that cannot be told. */
export type LiveJourneyState = { state: JourneyState; reason: null } | { state: null; reason: string };

/** An ended enrollment's workflow is not asked: its id may already run a later enrollment. */
export function endedEnrollmentState(status: Exclude<EnrollmentStatus, 'active'>): LiveJourneyState {
  return { state: null, reason: `the enrollment has ended (${status})` };
}

/** Asks an active enrollment's workflow where it is (its `journeyState` query). */
export async function liveJourneyState(
  temporal: Client,
  enrollment: { status: EnrollmentStatus; workflowId: string },
  deadlineMs = QUERY_DEADLINE_MS,
): Promise<LiveJourneyState> {
  if (enrollment.status !== 'active') return endedEnrollmentState(enrollment.status);
  try {
    const handle = temporal.workflow.getHandle(enrollment.workflowId);
    const state = await temporal.withDeadline(Date.now() + deadlineMs, () => handle.query(journeyStateQuery));
    return { state, reason: null };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: null, reason: `the workflow ${enrollment.workflowId} is not running` };
    return { state: null, reason: `Temporal did not answer: ${temporalErrorText(error)}` };
  }
}
