import { ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { JourneyInput } from '../activities/start-journey.ts';
import { retriedActivities, retriedLocalActivities } from './activity-options.ts';
import { endEnrollmentOnFailure } from './end-enrollment-on-failure.ts';
import { EMAIL_FIRST_ATTEMPT_HERE_PATCH, sendJourneyEmailStep } from './journey-email-step.ts';
import { reviewRequestValues } from '../journeys/journey-email-values.ts';
import { type JourneyState, journeyStateQuery, reviewLinkClickedSignal } from '../journeys/journey-messages.ts';

const activities = proxyActivities<Activities>(retriedActivities);
const localActivities = proxyLocalActivities<Activities>(retriedLocalActivities);

/**
 * Marks runs that sign the review link as a local activity, in the workflow task that sends the
 * request: the request's email is scheduled by the first workflow task instead of the second.
 * Runs recorded before it replay its activity task.
 */
const LOCAL_REVIEW_LINK_PATCH = 'review-link-as-local-activity';

/**
 * Asks a respondent for a public review: an email whose link goes through npsloop's redirect
 * (which records the click and signals here), a wait, and one reminder if the link was not
 * followed. The definition is the copy made at enrollment.
 */
export async function promoterReviewRequestWorkflow(input: JourneyInput): Promise<JourneyState> {
  return endEnrollmentOnFailure(input.enrollmentId, () => reviewRequest(input));
}

async function reviewRequest({ enrollmentId, definition, context }: JourneyInput): Promise<JourneyState> {
  const steps = definition.steps;
  if (steps.type !== 'review_request') throw ApplicationFailure.nonRetryable(`journey ${definition.name} is not a review request`, 'JourneyMismatch');
  const { workflowId } = workflowInfo();
  const state: JourneyState = { journey: definition.name, step: 'sending request', reviewLinkClicked: false, outcome: null };
  setHandler(journeyStateQuery, () => state);
  setHandler(reviewLinkClickedSignal, (click) => {
    // A link from another enrollment's email (an earlier run of this user's journey) is not this run's.
    if (click === undefined || click.enrollmentId === enrollmentId) state.reviewLinkClicked = true;
  });

  const reviewUrl = await (patched(LOCAL_REVIEW_LINK_PATCH) ? localActivities : activities).reviewLink({ enrollmentId });
  const values = reviewRequestValues(context, reviewUrl);
  const emailing = { firstAttemptHere: patched(EMAIL_FIRST_ATTEMPT_HERE_PATCH) };
  /** The request and its reminder: the same link and values, each its own step. */
  const emailUser = (step: 'review-request' | 'review-reminder', template: typeof steps.emailTemplate) =>
    sendJourneyEmailStep(
      { idempotencyKey: `${workflowId}/${enrollmentId}/${step}`, to: context.user.email, template, values, workflowId, about: { kind: 'customer', userId: context.user.id } },
      emailing,
    );
  await emailUser('review-request', steps.emailTemplate);

  state.step = 'waiting for the link to be followed';
  if (!(await condition(() => state.reviewLinkClicked === true, `${steps.reminderAfterHours} hours`))) {
    state.step = 'sending reminder';
    await emailUser('review-reminder', steps.reminderTemplate);
  }
  state.step = 'done';
  state.outcome = state.reviewLinkClicked ? 'review link followed' : 'reminder sent, link not followed';
  await activities.endEnrollment({ enrollmentId, status: 'completed', outcome: state.outcome, at: new Date(Date.now()).toISOString() });
  return state;
}
