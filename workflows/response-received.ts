import { log, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, ResponseActions } from '../activities/index.ts';
import { retriedActivities, retriedLocalActivities } from './activity-options.ts';

const activityTasks = proxyActivities<Activities>(retriedActivities);
const localActivities = proxyLocalActivities<Activities>(retriedLocalActivities);

/** Marks runs whose steps are local activities; runs recorded before it replay their activity tasks. */
const LOCAL_RESPONSE_STEPS_PATCH = 'response-steps-as-local-activities';
/** Marks runs that leave derived state to the worker's drainer; runs recorded before it refresh it themselves. */
const DRAINER_REFRESHES_PATCH = 'response-derived-state-by-drainer';
/** Marks runs that act on their response in one local activity; runs recorded before it take a step per part. */
const ONE_STEP_PATCH = 'response-acted-on-in-one-step';

export interface ResponseReceivedInput {
  responseId: number;
}

/** Each matching journey started, or skipped and why. */
export type ResponseReceivedResult = ResponseActions;

/**
 * One run per accepted response (new or changed), with an id derived from the response, so a
 * redelivery cannot start a second: evaluate the journeys' triggers and enroll the user in each
 * that matches. Journeys decide themselves whether a response is too old to enroll anyone (a
 * backfill must not flood them). The account's NPS and health and the user's lists are the
 * drainer's (worker/derived-state-drainer.ts), from the change stored with the response, so no
 * journey waits behind a recompute.
 */
export async function responseReceivedWorkflow({ responseId }: ResponseReceivedInput): Promise<ResponseReceivedResult> {
  if (patched(ONE_STEP_PATCH)) {
    // One local activity: the run is one workflow task and one activation per step fewer, which
    // is most of what a response costs the worker in a survey wave.
    const { journeys } = await localActivities.actOnResponse({ responseId, now: new Date(Date.now()).toISOString() });
    log.info('response processed', { responseId, workflowId: workflowInfo().workflowId, journeys });
    return { journeys };
  }
  // Every step is a short database transaction (and a start request), so they run as local
  // activities: one workflow task for the whole run instead of one per step.
  let response: { userId: number; category: string };
  let journeys: string[];
  let activities = localActivities;
  if (patched(DRAINER_REFRESHES_PATCH)) {
    ({ journeys, ...response } = await localActivities.responseJourneys({ responseId }));
    if (response.category === 'promoter') await localActivities.notifyPromoterAnswer({ userId: response.userId, responseId });
  } else {
    if (!patched(LOCAL_RESPONSE_STEPS_PATCH)) activities = activityTasks;
    response = await activities.refreshForResponse({ responseId });
    if (response.category === 'promoter') await activities.notifyPromoterAnswer({ userId: response.userId, responseId });
    journeys = await activities.matchingJourneys({ responseId });
  }
  const results: ResponseReceivedResult['journeys'] = [];
  for (const journey of journeys) {
    const started = await activities.startJourney({
      journeyName: journey,
      userId: response.userId,
      responseId,
      now: new Date(Date.now()).toISOString(),
    });
    results.push(started.status === 'started' ? { journey, status: 'started' } : { journey, status: 'skipped', reason: started.reason });
  }
  log.info('response processed', { responseId, workflowId: workflowInfo().workflowId, journeys: results });
  return { journeys: results };
}

/** The response workflow's id: readable, and the same for every delivery of one response. */
export function responseWorkflowId(responseId: number): string {
  return `response-${responseId}`;
}
