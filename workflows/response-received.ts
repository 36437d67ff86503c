import { log, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retriedActivities, retriedLocalActivities } from './activity-options.ts';

const activityTasks = proxyActivities<Activities>(retriedActivities);
const localActivities = proxyLocalActivities<Activities>(retriedLocalActivities);

/** Marks runs whose steps are local activities; runs recorded before it replay their activity tasks. */
const LOCAL_RESPONSE_STEPS_PATCH = 'response-steps-as-local-activities';

export interface ResponseReceivedInput {
  responseId: number;
}

export interface ResponseReceivedResult {
  journeys: { journey: string; status: string; reason?: string }[];
}

/**
 * One run per accepted response (new or changed), with an id derived from the response, so a
 * redelivery cannot start a second: refresh the account's NPS and health and the user's lists,
 * evaluate the journeys' triggers, and enroll the user in each that matches. Journeys decide
 * themselves whether a response is too old to enroll anyone (a backfill must not flood them).
 */
export async function responseReceivedWorkflow({ responseId }: ResponseReceivedInput): Promise<ResponseReceivedResult> {
  // Every step is a short database transaction (and a start request), so they run as local
  // activities: one workflow task for the whole run instead of one per step.
  const activities = patched(LOCAL_RESPONSE_STEPS_PATCH) ? localActivities : activityTasks;
  const response = await activities.refreshForResponse({ responseId });
  if (response.category === 'promoter') await activities.notifyPromoterAnswer({ userId: response.userId, responseId });
  const journeys = await activities.matchingJourneys({ responseId });
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
