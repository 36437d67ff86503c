import type { Task } from '../db/tables/tasks.ts';

/**
 * Failures of a workflow step that no retry can fix. Temporal matches them by `name` against the
 * non-retryable types in workflows/activity-options.ts, so the step fails at once and says why.
 */

/** The response a workflow was started for is not in the database. */
export class ResponseNotFoundError extends Error {
  override readonly name = 'ResponseNotFoundError';
  constructor(readonly responseId: number, detail = '') {
    super(`no NPS response with id ${responseId}${detail}`);
  }
}

/** The journey's workflow id already belongs to an active enrollment of another user or journey. */
export class EnrollmentConflictError extends Error {
  override readonly name = 'EnrollmentConflictError';
  constructor(readonly workflowId: string) {
    super(`workflow id "${workflowId}" already runs an active enrollment of another user or journey`);
  }
}

/** The task is done or cancelled: it can be neither completed again nor reassigned. */
export class TaskClosedError extends Error {
  override readonly name = 'TaskClosedError';
  constructor(readonly task: Pick<Task, 'id' | 'status' | 'completed_by' | 'completed_at' | 'outcome'>) {
    const by = task.completed_by ? ` by ${task.completed_by}` : '';
    const at = task.completed_at ? ` at ${task.completed_at.toISOString()}` : '';
    super(`task ${task.id} is already ${task.status}${by}${at}${task.outcome ? `: ${task.outcome}` : ''}`);
  }
}
