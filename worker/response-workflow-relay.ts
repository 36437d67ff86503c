import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { claimDueStarts, markStarted, markStartsFailed } from '../db/queries/response-workflow-starts.ts';
import { temporalErrorText } from '../journeys/tell-journey.ts';
import { responseReceivedWorkflow, responseWorkflowId } from '../workflows/response-received.ts';
import { startPollingLoop } from './polling-loop.ts';

/** How many pending starts one pass claims. */
const RELAY_BATCH = 100;
/** The longest one pass may spend starting its batch: Temporal down or slow fails it within this. */
const START_DEADLINE_MS = 15_000;
/** A claim outlives any pass, so only a relay that died leaves one for another to take over. */
const LEASE_MS = 4 * START_DEADLINE_MS;
/** The longest a failed start, or a relay that found Temporal unreachable, waits before trying again. */
const MAX_BACKOFF_MS = 30_000;

export interface RelayPass {
  claimed: number;
  started: number;
  failed: number;
}

/**
 * Starts the workflow of each response stored since the last pass, with the id derived from the
 * response: a crash between storing and starting delays a journey, never loses it, and a second
 * start reaches the first (USE_EXISTING). Starts are claimed with a lease in one short statement,
 * made outside any transaction (together: a batch costs about one round trip to Temporal), then
 * marked; a failed start waits out a growing backoff.
 */
export async function relayResponseWorkflows(
  db: Kysely<Database>,
  temporal: Client,
  taskQueue: string,
  { limit = RELAY_BATCH, startDeadlineMs = START_DEADLINE_MS } = {},
): Promise<RelayPass> {
  const claimed = await claimDueStarts(db, limit, LEASE_MS);
  if (claimed.length === 0) return { claimed: 0, started: 0, failed: 0 };
  const outcomes = await temporal.withDeadline(Date.now() + startDeadlineMs, () =>
    Promise.allSettled(
      claimed.map(({ response_id }) =>
        temporal.workflow.start(responseReceivedWorkflow, {
          taskQueue,
          workflowId: responseWorkflowId(response_id),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ responseId: response_id }],
        }),
      ),
    ),
  );
  const started = claimed.filter((_, i) => outcomes[i]!.status === 'fulfilled');
  const failed = claimed.flatMap((start, i) => {
    const outcome = outcomes[i]!;
    return outcome.status === 'rejected' ? [{ response_id: start.response_id, error: temporalErrorText(outcome.reason) }] : [];
  });
  await markStarted(db, started, new Date());
  await markStartsFailed(db, failed, MAX_BACKOFF_MS);
  return { claimed: claimed.length, started: started.length, failed: failed.length };
}

/**
 * Runs the relay every `intervalMs` until stopped (worker/polling-loop.ts): at once again after a
 * full batch, and after a growing pause while nothing can be started.
 */
export function startResponseWorkflowRelay(
  db: Kysely<Database>,
  temporal: Client,
  taskQueue: string,
  { intervalMs = 500, onError = (error: unknown) => console.error(`response workflow relay: a pass failed, the next one retries (${temporalErrorText(error)})`) } = {},
): { stop(): Promise<void> } {
  return startPollingLoop(
    async () => {
      const { claimed, started, failed } = await relayResponseWorkflows(db, temporal, taskQueue);
      if (failed > 0 && started === 0) return 'stuck';
      return claimed === RELAY_BATCH && failed === 0 ? 'more' : 'done';
    },
    { intervalMs, maxBackoffMs: MAX_BACKOFF_MS, onError },
  );
}
