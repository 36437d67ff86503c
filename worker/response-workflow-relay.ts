import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { claimPendingStarts, markStarted, markStartFailed } from '../db/queries/response-workflow-starts.ts';
import { responseReceivedWorkflow, responseWorkflowId } from '../workflows/response-received.ts';

/**
 * Starts the workflow of each response stored since the last pass, with the id derived from the
 * response: a crash between storing and starting delays a journey, never loses it, and a second
 * start reaches the first (USE_EXISTING). Returns how many were started.
 */
export async function relayResponseWorkflows(db: Kysely<Database>, temporal: Client, taskQueue: string, limit = 100): Promise<number> {
  return inTransaction(db, async (trx) => {
    let started = 0;
    for (const pending of await claimPendingStarts(trx, limit)) {
      try {
        await temporal.workflow.start(responseReceivedWorkflow, {
          taskQueue,
          workflowId: responseWorkflowId(pending.response_id),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ responseId: pending.response_id }],
        });
        await markStarted(trx, pending.response_id, pending.requested_at, new Date());
        started += 1;
      } catch (error) {
        // Left pending: the next pass tries again (Temporal unreachable, say).
        await markStartFailed(trx, pending.response_id, error instanceof Error ? error.message : String(error));
      }
    }
    return started;
  });
}

/** Runs the relay every `intervalMs` until stopped; stopping waits for the pass in progress. */
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
    pass = relayResponseWorkflows(db, temporal, taskQueue)
      .then(() => undefined, onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
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
