import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Every activity is idempotent, so transient failures (a database restart, SMTP down) are
 * retried with backoff until they pass; errors that retrying cannot fix are non-retryable.
 */
export const retriedActivities: ActivityOptions = {
  // Sending email may take up to 30 s (mail/create-transport.ts).
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['InvalidRecipient', 'JourneyNotFoundError', 'TaskNotFoundError', 'EnrollmentNotFoundError'],
  },
};
