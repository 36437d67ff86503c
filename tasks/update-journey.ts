import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { TASK_NOT_ACTIONABLE } from '../workflows/task-not-actionable.ts';
import { TemporalUnavailableError } from './task-errors.ts';

/**
 * Ample for an update (milliseconds when all is well: a validator and one database write on the
 * worker), short enough that a person is not kept waiting when no worker is there to answer.
 */
const UPDATE_DEADLINE_MS = 10_000;

export type JourneyAnswer =
  | { status: 'done' }
  /** The workflow has ended: nothing waits on the task any more. */
  | { status: 'not_running' }
  /** The journey refused the act (the task is not its open one, or it is escalating or closing it). */
  | { status: 'refused'; reason: string };

/**
 * Asks a journey's workflow to act on one of its tasks through an update, which the workflow
 * validates against where it is now and records before answering. No database transaction is held
 * while Temporal is called. The update id makes a repeated request (a retry after a timeout) reach
 * the first one's outcome instead of acting twice. When Temporal or a worker does not answer in
 * time, TemporalUnavailableError: the act may still take effect, so the caller reads the task again.
 */
export async function updateJourney<Arg>(
  temporal: Client,
  workflowId: string,
  update: UpdateDefinition<void, [Arg]>,
  arg: Arg,
  updateId: string,
): Promise<JourneyAnswer> {
  try {
    await temporal.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], updateId }),
    );
    return { status: 'done' };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { status: 'not_running' };
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === TASK_NOT_ACTIONABLE) {
      return { status: 'refused', reason: error.cause.message };
    }
    throw new TemporalUnavailableError(workflowId, temporalErrorText(error));
  }
}

/** The client's error with its gRPC cause ("Failed to signal Workflow: 4 DEADLINE_EXCEEDED: …"). */
export function temporalErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
