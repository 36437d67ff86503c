import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Errors that retrying cannot fix: the step fails at once. Activities throw them by name (an
 * Error whose `name` is the type) or as non-retryable ApplicationFailures.
 */
export const PERMANENT_ERROR_TYPES = [
  'InvalidRecipient',
  'JourneyNotFoundError',
  'TaskNotFoundError',
  'TaskClosedError',
  'EnrollmentNotFoundError',
  'ResponseNotFoundError',
  'EnrollmentConflictError',
];

const retry: ActivityOptions['retry'] = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: PERMANENT_ERROR_TYPES,
};

/**
 * How long a step keeps retrying a transient failure (the database or SMTP down) before it fails
 * for good: longer than a weekend's outage, so an outage delays journeys rather than failing them,
 * yet bounded, so a step that can never pass ends (its journey records why) instead of retrying
 * for ever.
 */
const RETRY_FOR = '3 days';

/**
 * Every activity is idempotent, so transient failures are retried with backoff; errors that
 * retrying cannot fix are non-retryable.
 */
export const retriedActivities: ActivityOptions = {
  // Database steps take milliseconds; an attempt lost with a crashed worker is retried after this.
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: RETRY_FOR,
  retry,
};

/**
 * Sending email: an SMTP server may take 11 minutes to acknowledge a message (mail/smtp-timeouts.ts),
 * so the attempt's own timeout is longer, and the activity heartbeats while it sends: an attempt
 * lost with a crashed worker is retried after the heartbeat timeout, not after minutes.
 */
export const emailActivities: ActivityOptions = {
  startToCloseTimeout: '12 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: RETRY_FOR,
  retry,
};

/**
 * The same retries for short database steps run as local activities: in the worker that runs
 * the workflow task, without an activity task and its round trips through the server. Beyond
 * a minute of failures, the backoff waits on a durable timer.
 */
export const retriedLocalActivities: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: RETRY_FOR,
  localRetryThreshold: '1 minute',
  retry,
};

/**
 * A journey email's first attempt, as a local activity in the workflow task that asks for it
 * (workflows/journey-email-step.ts): an SMTP server usually takes the message in well under a
 * second, and the email then costs the journey no activity task, no second workflow task and no
 * round trips through the server. One attempt, bounded: any failure, or a send still going after
 * this, hands the email to the activity (`emailActivities`), whose retries wait for the first
 * attempt's claim to be settled or to lapse, so it is never sent twice because of the handover.
 */
export const emailFirstAttempt: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
};
