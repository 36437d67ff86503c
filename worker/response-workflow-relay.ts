import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { claimPendingStarts, markStarted, markStartFailed } from '../db/queries/response-workflow-starts.ts';
import { responseReceivedWorkflow, responseWorkflowId } from '../workflows/response-received.ts';

/** How many pending starts one pass claims. */
const RELAY_BATCH = 100;

/**
 * Starts the workflow of each response stored since the last pass, with the id derived from the
 * response: a crash between storing and starting delays a journey, never loses it, and a second
 * start reaches the first (USE_EXISTING). The starts of a pass go out together, so a batch
 * costs about one round trip to Temporal rather than one per response. Returns how many were
 * claimed and how many started.
 */
export async function relayResponseWorkflows(
  db: Kysely<Database>,
  temporal: Client,
  taskQueue: string,
  limit = RELAY_BATCH,
): Promise<{ claimed: number; started: number }> {
  return inTransaction(db, async (trx) => {
    const pending = await claimPendingStarts(trx, limit);
    const outcomes = await Promise.allSettled(
      pending.map(({ response_id }) =>
        temporal.workflow.start(responseReceivedWorkflow, {
          taskQueue,
          workflowId: responseWorkflowId(response_id),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ responseId: response_id }],
        }),
      ),
    );
    let started = 0;
    for (const [i, outcome] of outcomes.entries()) {
      const { response_id, requested_at } = pending[i]!;
      if (outcome.status === 'fulfilled') {
        await markStarted(trx, response_id, requested_at, new Date());
        started += 1;
      } else {
        // Left pending: the next pass tries again (Temporal unreachable, say).
        const error: unknown = outcome.reason;
        await markStartFailed(trx, response_id, error instanceof Error ? error.message : String(error));
      }
    }
    return { claimed: pending.length, started };
  });
}

/**
 * Runs the relay every `intervalMs` until stopped, and at once again after a full batch, so a
 * burst drains without waiting between batches; stopping waits for the pass in progress.
 */
export function startResponseWorkflowRelay(
  db: Kysely<Database>,
  temporal: Client,
  taskQueue: string,
  { intervalMs = 500, onError = (error: unknown) => console.error('response workflow relay:', error) } = {},
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const tick = () => {
    let full = false;
    pass = relayResponseWorkflows(db, temporal, taskQueue)
      .then(({ claimed, started }) => {
        full = claimed === RELAY_BATCH && started === claimed;
      }, onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, full ? 0 : intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
