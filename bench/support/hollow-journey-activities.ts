import type { Client } from '@temporalio/client';
import type { Activities } from '../../activities/index.ts';
import { journeyWorkflowId, startJourneyWorkflow } from '../../activities/start-journey.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';

/** The workflow ids of hollow journeys start with this, so one worker can tell them from real ones. */
export const HOLLOW_PREFIX = 'hollow-';

type HollowActivities = Pick<Activities, 'actOnResponse' | 'openFollowUpTask' | 'sendJourneyEmail'>;

/**
 * The activities of a detractor journey with their Temporal side and none of their database or
 * mail work: run under the real response and follow-up workflows, they give what a journey's
 * shape (two workflows, their workflow tasks and activities, the start with search attributes
 * and memo) costs on Temporal alone — the floor of a journey's rate on the same server and worker.
 * The response id stands for the user, so each hollow journey has its own workflow id.
 */
export function hollowJourneyActivities(temporal: Client, taskQueue: string): HollowActivities {
  const csm = { id: 1, email: 'csm1@cs.example', name: 'CSM 1' };
  const lead = { id: 2, email: 'lead@cs.example', name: 'Lee Lead' };
  return {
    actOnResponse: async ({ responseId }) => {
      const userId = responseId;
      const workflowId = HOLLOW_PREFIX + journeyWorkflowId(DETRACTOR_FOLLOW_UP.name, userId);
      await startJourneyWorkflow({ temporal, taskQueue }, workflowId, {
        enrollmentId: responseId,
        definition: DETRACTOR_FOLLOW_UP,
        context: {
          user: { id: userId, email: `user${userId}@example.com`, name: null, firstName: null },
          account: { id: userId, externalId: `account-${userId}`, name: `Account ${userId}` },
          csm,
          response: { id: responseId, score: 3, category: 'detractor', comment: 'Exports keep failing', respondedAt: new Date().toISOString() },
        },
      });
      return { journeys: [{ journey: DETRACTOR_FOLLOW_UP.name, status: 'started' }] };
    },
    openFollowUpTask: async (input) => ({
      task: { id: input.enrollmentId, status: 'open', outcome: null, completedBy: null },
      created: true,
      next: input.escalatesFromCsmId === null ? null : lead,
    }),
    sendJourneyEmail: async () => ({ status: 'sent', messageId: null }),
  };
}
