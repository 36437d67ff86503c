/**
 * Failures of a workflow step that no retry can fix. Temporal matches them by `name` against the
 * non-retryable types in workflows/activity-options.ts, so the step fails at once and says why.
 */

/** The journey's workflow id already belongs to an active enrollment of another user or journey. */
export class EnrollmentConflictError extends Error {
  override readonly name = 'EnrollmentConflictError';
  constructor(readonly workflowId: string) {
    super(`workflow id "${workflowId}" already runs an active enrollment of another user or journey`);
  }
}
