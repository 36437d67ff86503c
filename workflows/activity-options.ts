import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

const retry: ActivityOptions['retry'] = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: ['InvalidRecipient', 'JourneyNotFoundError', 'TaskNotFoundError', 'EnrollmentNotFoundError'],
};

/**
 * Every activity is idempotent, so transient failures (a database restart, SMTP down) are
 * retried with backoff until they pass; errors that retrying cannot fix are non-retryable.
 */
export const retriedActivities: ActivityOptions = {
  // Sending email waits up to 11 minutes for a slow SMTP server (mail/smtp-timeouts.ts), then marks it sent.
  startToCloseTimeout: '12 minutes',
  retry,
};

/**
 * The same retries for short database steps run as local activities: in the worker that runs
 * the workflow task, without an activity task and its round trips through the server. Beyond
 * a minute of failures, the backoff waits on a durable timer.
 */
export const retriedLocalActivities: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '1 minute',
  retry,
};
