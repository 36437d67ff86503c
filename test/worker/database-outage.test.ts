import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import type { Db } from '../../db/connect.ts';
import { ingestPayloads } from '../../ingest/ingest-payloads.ts';
import { createMailTransport } from '../../mail/create-transport.ts';
import { createNpsloopWorker } from '../../worker/create-worker.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { installJourneys, seed } from '../helpers/journey-scenarios.ts';
import { type PostgresFaults, connectFaults } from '../helpers/postgres-faults.ts';
import { createTestSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { bundleWorkflowsOnce, createDevServerEnvironment } from '../helpers/temporal.ts';
import { createTestDatabase, describeOnPostgres } from '../helpers/test-database.ts';
import { failOnUncaughtErrors } from '../helpers/uncaught-errors.ts';
import { localActivityMarkers } from '../helpers/local-activity-markers.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * The worker process through connections PostgreSQL ends under it, on the Temporal dev server:
 * it keeps running, the relay's pass that lost its connection is logged and the next pass
 * starts the workflows, and an activity that lost its connection fails and is retried by
 * Temporal, on new connections from the same pool.
 */
describeOnPostgres('the worker when database connections drop', () => {
  failOnUncaughtErrors();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-outage-'));
  const config = loadConfig({ NPSLOOP_DATA_DIR: dataDir, TEMPORAL_TASK_QUEUE: `outage-${process.pid}`, NPSLOOP_PUBLIC_URL: 'https://nps.example.com' });
  const settings = () => ({ now: new Date(), timeZone: config.timeZone, counting: config.npsCounting });
  let env: TestWorkflowEnvironment;
  let db: Db;
  let drop: () => Promise<void>;
  let faults: PostgresFaults;
  let smtp: TestSmtpServer;
  let worker: Awaited<ReturnType<typeof createNpsloopWorker>>;
  let running: Promise<void>;

  const workerOn = (taskQueue: string, workflowBundle: Awaited<ReturnType<typeof bundleWorkflowsOnce>>) =>
    createNpsloopWorker({
      config: { ...config, temporal: { ...config.temporal, taskQueue } },
      db: db.kysely,
      connection: env.nativeConnection,
      temporal: env.client,
      mailer: createMailTransport({ ...config.mail, smtpUrl: smtp.url() }),
      linkSecret: 'outage-link-secret-that-is-long-enough-0',
      workflowBundle,
    });

  beforeAll(async () => {
    smtp = createTestSmtpServer();
    await smtp.start();
    const created = await createTestDatabase('postgres', { onConnectionLost: () => {} });
    ({ db, drop } = created);
    faults = await connectFaults(created.url!);
    let workflowBundle;
    [env, workflowBundle] = await Promise.all([createDevServerEnvironment(), bundleWorkflowsOnce()]);
    worker = await workerOn(config.temporal.taskQueue, workflowBundle);
    running = worker.run();
    await installJourneys(db);
    await seed(db);
  }, 600_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await faults?.end();
    await drop?.();
    await smtp?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const respond = async (id: string, score: number) => {
    await ingestPayloads(db.kysely, 'generic', [{ id, email: 'bo@acme.example', score, respondedAt: new Date(Date.now() - 60_000).toISOString() }], settings());
    return (await db.kysely.selectFrom('nps_responses').select('id').where('source_response_id', '=', id).executeTakeFirstOrThrow()).id;
  };

  it("logs the relay pass that lost its connection, and the next pass starts the response's workflow", async () => {
    const logged = vi.spyOn(console, 'error');
    try {
      // A pass waits on its claim, and its backend is ended there.
      const release = await faults.lockTable('response_workflow_starts');
      try {
        const pid = await faults.waitForBackend({ queryLike: '%from response_workflow_starts%for update%', waitingOnLock: true }, 'a relay pass waiting for its claim');
        await faults.terminate(pid);
      } finally {
        await release();
      }
      // One line, saying what happened and that the next pass retries.
      const failedPass = /^response workflow relay: a pass failed, the next one retries \(.*terminating connection due to administrator command/;
      await waitFor(async () => (logged.mock.calls.some(([line]) => typeof line === 'string' && failedPass.test(line)) ? true : undefined), 'the failed pass to be logged');
    } finally {
      logged.mockRestore();
    }
    const responseId = await respond('outage-passive', 8);
    await waitFor(
      () => db.kysely.selectFrom('response_workflow_starts').select('started_at').where('response_id', '=', responseId).where('started_at', 'is not', null).executeTakeFirst(),
      "the relay to start the response's workflow",
    );
    await env.client.workflow.getHandle(responseWorkflowId(responseId)).result();
    expect(worker.worker.getState()).toBe('RUNNING');
  });

  it('retries an activity whose connection was ended mid-statement, and the journey goes on', async () => {
    // The detractor journey's first activity creates the task: it waits on the table, and its backend is ended there.
    const release = await faults.lockTable('tasks');
    await respond('outage-detractor', 2);
    const pid = await faults.waitForBackend({ queryLike: '%insert into "tasks"%', waitingOnLock: true }, 'the task insert');
    await faults.terminate(pid);
    await release();

    const task = await waitFor(() => db.kysely.selectFrom('tasks').select(['id', 'workflow_id']).where('status', '=', 'open').executeTakeFirst(), 'the follow-up task');
    // The attempt that lost its connection failed, and the retry created the task. The step is a
    // local activity: its marker records the attempt that completed it (not the earlier failure).
    const completed = await waitFor(async () => {
      const { events } = await env.client.workflow.getHandle(task.workflow_id).fetchHistory();
      return localActivityMarkers(events ?? []).find((marker) => marker.activityType === 'openFollowUpTask');
    }, 'the task activity to complete');
    expect(completed.attempt).toBe(2);
    await waitFor(async () => (smtp.received.some((m) => m.to.includes('ann@cs.example')) ? true : undefined), "the CSM's email");
    expect(await db.kysely.selectFrom('tasks').select('id').execute()).toEqual([{ id: task.id }]);
    expect(worker.worker.getState()).toBe('RUNNING');
  });

  it('stops a worker asked to stop before it ran, and takes a second stop request calmly', async () => {
    const early = await workerOn(`outage-early-${process.pid}`, await bundleWorkflowsOnce());
    early.shutdown();
    early.shutdown();
    await early.run();
    expect(early.worker.getState()).toBe('STOPPED');
  });
});
