import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import { accountNpsSnapshots } from '../../db/queries/account-nps.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { responseReceivedWorkflow } from '../../workflows/index.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { bundleWorkflowsOnce, createTimeSkippingEnvironment } from '../helpers/temporal.ts';

describe('responseReceivedWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let db: Db;
  const now = new Date('2026-11-24T12:00:00Z');

  // A fresh machine may first pip-install the test server (see worker/temporal-binaries.ts).
  beforeAll(async () => {
    [env, workflowBundle, db] = await Promise.all([
      createTimeSkippingEnvironment(),
      bundleWorkflowsOnce(),
      openDatabase({ kind: 'pglite' }),
    ]);
  }, 600_000);

  afterAll(async () => {
    await env?.teardown();
    await db?.close();
  });

  it('recomputes the NPS snapshots of the account the response belongs to', async () => {
    const k = db.kysely;
    const { accountId, users } = await seedAccount(k);
    const stored = await storeBatch(k, 'generic', [validItem({ email: users[0]!.email, score: 2, respondedAt: new Date('2026-11-20T00:00:00Z') })], now);
    const responseId = stored.changed[0]!.id;

    const taskQueue = `response-received-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ db: k, npsSettings: () => ({ now, timeZone: 'UTC', counting: 'every_response' }) }),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(responseReceivedWorkflow, {
        taskQueue,
        workflowId: `response-received-${responseId}-${randomUUID()}`,
        args: [{ responseId, accountId }],
      }),
    );
    expect(result).toEqual({ recomputed: 1 });
    const thisMonth = (await accountNpsSnapshots(k, accountId)).find((s) => s.window_key === 'this_month');
    expect(thisMonth).toMatchObject({ detractors: 1, total: 1, nps: -100 });
  });
});
