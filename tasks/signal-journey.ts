import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { TemporalUnavailableError } from './task-errors.ts';

/** Ample for a signal (milliseconds when all is well), short enough that a caller holding a row lock is not kept long. */
const SIGNAL_DEADLINE_MS = 5_000;

/**
 * Signals a journey's workflow. 'not_running' when it has ended (nothing waits on it any more);
 * any other failure to reach Temporal is a TemporalUnavailableError.
 */
export async function signalJourney<Args extends unknown[]>(
  temporal: Client,
  workflowId: string,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<'signalled' | 'not_running'> {
  try {
    await temporal.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => temporal.workflow.getHandle(workflowId).signal(signal, ...args));
    return 'signalled';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'not_running';
    throw new TemporalUnavailableError(workflowId, temporalErrorText(error));
  }
}

/** The client's error with its gRPC cause ("Failed to signal Workflow: 4 DEADLINE_EXCEEDED: …"). */
export function temporalErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
