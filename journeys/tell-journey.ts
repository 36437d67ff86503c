import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { TASK_NOT_ACTIONABLE } from './task-not-actionable.ts';

/*
 * Telling a running journey something from outside its workflow: the one way the API, the CLI and
 * activities signal or update a journey, each treating a journey that has ended the same way.
 */

/**
 * Temporal, or a worker running the journey, did not answer in time. The request may not have
 * arrived, or may take effect once a worker runs it: repeating it is safe (a completion is one
 * update however often it is sent, and a reassignment already made changes nothing).
 */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor(
    readonly workflowId: string,
    reason: string,
  ) {
    super(`the journey workflow ${workflowId} did not answer (${reason}); the task was not changed yet: try again`);
  }
}

/**
 * Signals a journey; 'not_running' when its workflow has ended (a click or an answer after the
 * journey is over has nobody left to tell). Other failures are thrown.
 */
export async function signalJourney<Args extends unknown[]>(
  temporal: Client,
  workflowId: string,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<'signalled' | 'not_running'> {
  try {
    await temporal.workflow.getHandle(workflowId).signal(signal, ...args);
    return 'signalled';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'not_running';
    throw error;
  }
}

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
