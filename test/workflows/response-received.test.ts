import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { responseReceivedWorkflow } from '../../workflows/index.ts';
import { bundleWorkflowsOnce, createTimeSkippingEnvironment } from '../helpers/temporal.ts';

describe('responseReceivedWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundleWithSourceMap;

  // A fresh machine may first pip-install the test server (see worker/temporal-binaries.ts).
  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([createTimeSkippingEnvironment(), bundleWorkflowsOnce()]);
  }, 600_000);

  afterAll(async () => {
    await env?.teardown();
  });

  async function runWithWorker<T>(
    recomputeAccountNps: (accountIds: number[]) => Promise<{ recomputed: number }>,
    run: (taskQueue: string) => Promise<T>,
  ): Promise<T> {
    const taskQueue = `response-received-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ recomputeAccountNps }),
    });
    return worker.runUntil(run(taskQueue));
  }

  it('recomputes the NPS of the response account and returns the count', async () => {
    const calls: number[][] = [];
    const result = await runWithWorker(
      async (accountIds) => {
        calls.push(accountIds);
        return { recomputed: accountIds.length };
      },
      (taskQueue) =>
        env.client.workflow.execute(responseReceivedWorkflow, {
          taskQueue,
          workflowId: `response-received-${randomUUID()}`,
          args: [{ responseId: 501, accountId: 42 }],
        }),
    );
    expect(result).toEqual({ recomputed: 1 });
    expect(calls).toEqual([[42]]);
  });

  it('retries the recompute when it fails transiently', async () => {
    const calls: number[][] = [];
    const result = await runWithWorker(
      async (accountIds) => {
        calls.push(accountIds);
        if (calls.length < 3) throw new Error('database connection reset');
        return { recomputed: accountIds.length };
      },
      (taskQueue) =>
        env.client.workflow.execute(responseReceivedWorkflow, {
          taskQueue,
          workflowId: `response-received-${randomUUID()}`,
          args: [{ responseId: 502, accountId: 7 }],
        }),
    );
    expect(result).toEqual({ recomputed: 1 });
    expect(calls).toEqual([[7], [7], [7]]);
  });
});
