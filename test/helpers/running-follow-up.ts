import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connect.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { responseReceivedWorkflow } from '../../workflows/index.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { aResponse } from '../fixtures/instance.ts';
import { createJourneyWorker, type JourneyHarness, seed } from './journey-scenarios.ts';
import { waitFor } from './wait-for.ts';

export interface RunningFollowUp {
  userId: number;
  /** The CSM's open task the journey waits on. */
  taskId: number;
  csmId: number;
}

/**
 * Seeds the journey instance (test/helpers/journey-scenarios.ts `seed`: Ann, her chain, Bo at
 * Acme), stores a detractor answer from Bo and runs its workflow, then calls `run` while a
 * worker keeps the follow-up journey going and it waits on Ann's task.
 */
export async function withRunningFollowUp<T>(
  harness: JourneyHarness,
  db: Db,
  run: (followUp: RunningFollowUp) => Promise<T>,
): Promise<T> {
  const { env } = harness;
  const { userId } = await seed(db);
  const taskQueue = `journeys-${randomUUID()}`;
  const worker = await createJourneyWorker(harness, db, taskQueue);
  return worker.runUntil(async () => {
    const now = new Date(await env.currentTimeMs());
    const stored = await storeBatch(db.kysely, 'generic', [{ ok: true, response: aResponse({ email: 'bo@acme.example', score: 2, respondedAt: new Date(now.getTime() - 60_000) }), payload: {} }], now);
    const responseId = stored.changed[0]!.id;
    await env.client.workflow.execute(responseReceivedWorkflow, { taskQueue, workflowId: `${responseWorkflowId(responseId)}-${randomUUID()}`, args: [{ responseId }] });
    const task = await waitFor(() => db.kysely.selectFrom('tasks').select(['id', 'assignee_csm_id']).where('status', '=', 'open').executeTakeFirst(), "the CSM's open task");
    return run({ userId, taskId: task.id, csmId: task.assignee_csm_id });
  });
}
