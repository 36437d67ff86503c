import { responseWorkflowId } from '../../../workflows/response-received.ts';
import type { FaultStack } from './fault-stack.ts';
import { awaitJourneys, type ExpectedJourney, type JourneysOutcome } from './journey-checks.ts';
import { recordJourneys, recordResponseWorkflows, recordStoredResponses } from './record-outcomes.ts';
import type { ScenarioContext } from './scenario.ts';
import { checkStoredResponses, type StoredResponses } from './stored-responses.ts';
import { awaitWorkflowsCompleted, type WorkflowsOutcome } from './workflow-checks.ts';
import type { Delivery } from './webhook-sender.ts';

export interface Drained {
  stored: StoredResponses;
  workflows: WorkflowsOutcome;
  journeys: JourneysOutcome;
}

/**
 * Once the faults are over: every delivery answered 2xx is stored once; every stored response's
 * workflow `response-<id>` completes; the journeys reach their expected state with each task and
 * email once. Each wait polls up to `seconds`.
 * Recorded in the scenario's figures, and returned for figures of its own.
 */
export async function checkDrained(
  context: ScenarioContext,
  stack: FaultStack,
  deliveries: Delivery[],
  expected: ExpectedJourney[],
  { seconds }: { seconds: number },
): Promise<Drained> {
  const stored = await checkStoredResponses(stack.db, deliveries);
  recordStoredResponses(context, stored);
  context.progress(`${stored.stored} of ${stored.sent} responses stored (${stored.accepted} answered 2xx); waiting for their workflows`);
  const workflowIds = [...stored.ids.values()].map(responseWorkflowId);
  const workflows = await awaitWorkflowsCompleted(stack.temporalClient, 'responseReceivedWorkflow', workflowIds, { seconds, signal: context.signal });
  recordResponseWorkflows(context, workflows);
  context.progress(`${workflows.completed} response workflows completed; waiting for ${expected.length} journeys to settle`);
  const journeys = await awaitJourneys(stack, expected, { seconds, signal: context.signal });
  recordJourneys(context, journeys);
  return { stored, workflows, journeys };
}

/** One phase's own figures, for a scenario that breaks several things in turn. */
export function phaseFigures({ stored, workflows, journeys }: Drained, started: number) {
  return {
    sent: stored.sent,
    stored: stored.stored,
    workflows_completed: workflows.completed,
    tasks: journeys.tasks,
    emails: journeys.emails,
    duplicates: stored.duplicates + journeys.duplicated,
    lost: stored.lost.length + workflows.notCompleted.length + journeys.lost,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}
