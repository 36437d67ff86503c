import type { Task } from '../db/tables/tasks.ts';

/** A CSM id or email that names no CSM, or (emails are not unique) more than one. */
export class AssigneeNotFoundError extends Error {
  override readonly name = 'AssigneeNotFoundError';
  constructor(
    readonly idOrEmail: string,
    readonly matches: number,
  ) {
    super(
      matches === 0
        ? `no CSM with id or email "${idOrEmail}"`
        : `${matches} CSMs have the email "${idOrEmail}": name one by its id`,
    );
  }
}

/** The journey waiting on the task has ended, so nobody would act on the change. */
export class JourneyNotRunningError extends Error {
  override readonly name = 'JourneyNotRunningError';
  constructor(readonly workflowId: string) {
    super(`the journey workflow ${workflowId} is not running: nothing would act on the change`);
  }
}

/** The journey refused the act: it is escalating or closing the task right now (read the task again to see how). */
export class TaskNotActionableError extends Error {
  override readonly name = 'TaskNotActionableError';
  constructor(
    readonly taskId: number,
    reason: string,
  ) {
    super(`the journey did not take the change: ${reason}`);
  }
}

/** No task with this id (or, for a CSM acting for themselves, none of theirs). */
export class TaskNotFoundError extends Error {
  override readonly name = 'TaskNotFoundError';
  constructor(readonly taskId: number) {
    super(`no task with id ${taskId}`);
  }
}

/**
 * The task is done or cancelled: it can be neither completed again nor reassigned. A workflow step
 * that meets it fails at once (workflows/activity-options.ts lists it as non-retryable).
 */
export class TaskClosedError extends Error {
  override readonly name = 'TaskClosedError';
  constructor(readonly task: Pick<Task, 'id' | 'status' | 'completed_by' | 'completed_at' | 'outcome'>) {
    const by = task.completed_by ? ` by ${task.completed_by}` : '';
    const at = task.completed_at ? ` at ${task.completed_at.toISOString()}` : '';
    super(`task ${task.id} is already ${task.status}${by}${at}${task.outcome ? `: ${task.outcome}` : ''}`);
  }
}
