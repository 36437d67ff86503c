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
