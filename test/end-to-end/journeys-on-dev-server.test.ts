import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createServer } from '../../api/create-server.ts';
import { loadConfig } from '../../config/config.ts';
import type { Db } from '../../db/connect.ts';
import { userJourneyEvents } from '../../db/queries/journey-events.ts';
import { installMissingJourneys, saveJourney, setJourneyEnabled } from '../../db/queries/journeys.ts';
import { userIdByEmail } from '../../db/queries/users.ts';
import { ingestPayloads } from '../../ingest/ingest-payloads.ts';
import { syncInstance } from '../../ingest/sync-instance.ts';
import { BUILT_IN_JOURNEYS, PROMOTER_REVIEW_REQUEST } from '../../journeys/built-in-journeys.ts';
import { createMailTransport } from '../../mail/create-transport.ts';
import { completeTaskAndTellJourney } from '../../tasks/complete-task.ts';
import { createNpsloopWorker } from '../../worker/create-worker.ts';
import { ensureSchedules, MONTHLY_DIGEST_SCHEDULE_ID, NPS_DROP_ALERT_SCHEDULE_ID, REFRESH_SCHEDULE_ID } from '../../worker/schedules.ts';
import type { detractorFollowUpWorkflow, promoterReviewRequestWorkflow } from '../../workflows/index.ts';
import { journeyStateQuery } from '../../journeys/journey-messages.ts';
import { createTestSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { bundleWorkflowsOnce, createDevServerEnvironment } from '../helpers/temporal.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * The whole path on the Temporal dev server, as in production: a response comes in through the
 * ingest path, the relay starts its workflow, the worker runs the journey against a real
 * database (PGlite, and PostgreSQL when DATABASE_URL is set) and a real SMTP server, and the
 * journey ends when the task is completed.
 */
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  [env, workflowBundle] = await Promise.all([createDevServerEnvironment(), bundleWorkflowsOnce()]);
}, 600_000);
afterAll(async () => {
  await env?.teardown();
});

describeEachBackend('journeys end to end on the Temporal dev server', (database, backend) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-e2e-'));
  const config = loadConfig({ NPSLOOP_DATA_DIR: dataDir, TEMPORAL_TASK_QUEUE: `e2e-${backend}-${process.pid}`, NPSLOOP_PUBLIC_URL: 'https://nps.example.com' });
  const settings = () => ({ now: new Date(), timeZone: config.timeZone, counting: config.npsCounting });
  const linkSecret = 'e2e-link-secret-that-is-long-enough-000';
  let db: Db;
  let smtp: TestSmtpServer;
  let worker: Awaited<ReturnType<typeof createNpsloopWorker>>;
  let running: Promise<void>;

  beforeAll(async () => {
    db = database();
    smtp = createTestSmtpServer();
    await smtp.start();
    worker = await createNpsloopWorker({
      config,
      db: db.kysely,
      connection: env.nativeConnection,
      temporal: env.client,
      mailer: createMailTransport({ ...config.mail, smtpUrl: smtp.url() }),
      linkSecret,
      workflowBundle,
    });
    running = worker.run();
  }, 600_000);

  beforeEach(async () => {
    const k = db.kysely;
    await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'e2e' });
    await saveJourney(k, { ...PROMOTER_REVIEW_REQUEST, steps: { ...PROMOTER_REVIEW_REQUEST.steps, reviewUrl: 'https://www.g2.com/products/npsloop/reviews' } } as typeof PROMOTER_REVIEW_REQUEST, { actor: 'e2e' });
    await setJourneyEnabled(k, 'promoter-review-request', true, { actor: 'e2e' });
    await syncInstance(k, 'csm', [{ externalId: 'lead', email: 'lead@cs.example', name: 'Lee Lead' }, { externalId: 'ann', email: 'ann@cs.example', name: 'Ann CSM', managerExternalId: 'lead' }], settings());
    await syncInstance(k, 'account', [{ externalId: 'acme', name: 'Acme', csmExternalId: 'ann' }], settings());
    await syncInstance(k, 'user', [
      { externalId: 'bo', accountExternalId: 'acme', email: 'bo@acme.example', name: 'Bo Buyer' },
      { externalId: 'cy', accountExternalId: 'acme', email: 'cy@acme.example', name: 'Cy Champion' },
    ], settings());
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await smtp?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const mailTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));

  it('turns a detractor into a task and an email, sent once although SMTP was down, and ends when the task is completed', async () => {
    const k = db.kysely;
    await smtp.stop();
    const ingested = await ingestPayloads(k, 'generic', [{ id: 'e2e-1', email: 'bo@acme.example', score: 2, respondedAt: new Date(Date.now() - 60_000).toISOString(), comment: 'Exports keep failing' }], settings());
    expect(ingested.inserted).toBe(1);

    const task = await waitFor(() => k.selectFrom('tasks').selectAll().where('status', '=', 'open').executeTakeFirst(), 'the follow-up task');
    const failing = await waitFor(() => k.selectFrom('emails').selectAll().where('error', 'is not', null).executeTakeFirst(), 'a failed send while SMTP is down');
    expect(failing.status).toBe('claimed');
    expect(mailTo('ann@cs.example')).toHaveLength(0);

    await smtp.start();
    await waitFor(async () => (mailTo('ann@cs.example').length > 0 ? true : undefined), "the CSM's email once SMTP is back");
    // Once the journey waits on the task, its email step is over: no attempt is left to send again.
    const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(task.workflow_id);
    await waitFor(async () => ((await journey.query(journeyStateQuery)).step === 'waiting for the task' ? true : undefined), 'the journey to wait on the task');
    expect(await k.selectFrom('emails').select(['status', 'attempts']).where('to_address', '=', 'ann@cs.example').execute()).toEqual([
      { status: 'sent', attempts: expect.any(Number) },
    ]);
    expect(mailTo('ann@cs.example')).toHaveLength(1);
    expect(mailTo('ann@cs.example')[0]!.raw).toContain('Exports keep failing');

    const completed = await completeTaskAndTellJourney({ db: k, temporal: env.client }, task.id, {
      actor: { name: 'ann@cs.example' },
      outcome: 'called Bo, exports fixed',
    });
    expect(completed.journey).toBe('signalled');
    const workflowId = completed.task.workflowId;
    const state = await journey.result();
    expect(state.outcome).toBe('completed by ann@cs.example at escalation level 0: called Bo, exports fixed');
    expect(await k.selectFrom('enrollments').select(['status']).where('workflow_id', '=', workflowId).executeTakeFirst()).toEqual({ status: 'completed' });
    // The outcome is on the user's timeline.
    const events = await userJourneyEvents(k, (await userIdByEmail(k, 'bo@acme.example'))!);
    expect(events.map((e) => e.kind)).toEqual(['enrollment_started', 'task_created', 'task_completed', 'enrollment_ended']);
    expect(events.at(-1)).toMatchObject({ outcome: 'completed by ann@cs.example at escalation level 0: called Bo, exports fixed' });
  });

  it('refreshes NPS snapshots and lists on a schedule, as time alone moves them', async () => {
    const k = db.kysely;
    await k.deleteFrom('account_nps_snapshots').execute();
    await ensureSchedules(env.client, config.temporal.taskQueue, 'UTC');
    // A second worker finds the schedules already there.
    await ensureSchedules(env.client, config.temporal.taskQueue, 'UTC');
    await env.client.schedule.getHandle(REFRESH_SCHEDULE_ID).trigger();
    const snapshots = await waitFor(async () => {
      const rows = await k.selectFrom('account_nps_snapshots').select('window_key').execute();
      return rows.length === 7 ? rows : undefined;
    }, 'the scheduled refresh');
    expect(snapshots).toHaveLength(7);
    for (const id of [REFRESH_SCHEDULE_ID, MONTHLY_DIGEST_SCHEDULE_ID, NPS_DROP_ALERT_SCHEDULE_ID]) await env.client.schedule.getHandle(id).delete();
  });

  it('schedules the monthly digest and the drop alerts in the configured zone, and runs them when triggered', async () => {
    await ensureSchedules(env.client, config.temporal.taskQueue, 'Europe/Paris');
    // A second worker, configured for another zone, brings the schedules in line with it.
    await ensureSchedules(env.client, config.temporal.taskQueue, 'America/New_York');
    const digest = await env.client.schedule.getHandle(MONTHLY_DIGEST_SCHEDULE_ID).describe();
    expect(digest.spec.timezone).toBe('America/New_York');
    expect(digest.spec.calendars).toEqual([
      expect.objectContaining({ dayOfMonth: [{ start: 1, end: 3, step: 1 }], dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }], hour: [{ start: 8, end: 8, step: 1 }] }),
    ]);
    const alert = await env.client.schedule.getHandle(NPS_DROP_ALERT_SCHEDULE_ID).describe();
    expect(alert.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 9, end: 9, step: 1 }] })]);
    // Triggered by hand, the alert runs to the end (there is no drop to tell of).
    await env.client.schedule.getHandle(NPS_DROP_ALERT_SCHEDULE_ID).trigger();
    const run = await waitFor(async () => (await env.client.schedule.getHandle(NPS_DROP_ALERT_SCHEDULE_ID).describe()).info.recentActions[0], 'the triggered alert run');
    expect(await env.client.workflow.getHandle(run.action.workflow.workflowId, run.action.workflow.firstExecutionRunId).result()).toEqual({ alerts: 0 });
    for (const id of [REFRESH_SCHEDULE_ID, MONTHLY_DIGEST_SCHEDULE_ID, NPS_DROP_ALERT_SCHEDULE_ID]) await env.client.schedule.getHandle(id).delete();
  });

  it('records a followed review link through the redirect endpoint and tells the journey', async () => {
    const k = db.kysely;
    await ingestPayloads(k, 'generic', [{ id: 'e2e-2', email: 'cy@acme.example', score: 10, respondedAt: new Date(Date.now() - 60_000).toISOString() }], settings());
    const email = await waitFor(async () => mailTo('cy@acme.example')[0], 'the review request');
    const link = /https:\/\/nps\.example\.com(\/r\/[\w.-]+)/.exec(email.raw.replace(/=\r?\n/g, ''))?.[1];
    expect(link).toBeDefined();

    const app = await createServer({ db: k, temporal: env.client, config, reviewLinks: { publicBaseUrl: config.publicUrl, secret: linkSecret }, logger: false });
    const forged = await app.inject({ method: 'GET', url: `${link!.slice(0, -3)}abc` });
    expect(forged.statusCode).toBe(404);
    const followed = await app.inject({ method: 'GET', url: link!, headers: { 'user-agent': 'e2e' } });
    expect(followed.statusCode).toBe(302);
    expect(followed.headers.location).toBe('https://www.g2.com/products/npsloop/reviews');
    await app.close();

    const enrollment = await k.selectFrom('enrollments').selectAll().where('journey_name', '=', 'promoter-review-request').executeTakeFirstOrThrow();
    const state = await env.client.workflow.getHandle<typeof promoterReviewRequestWorkflow>(enrollment.workflow_id).result();
    expect(state.outcome).toBe('review link followed');
    expect(await k.selectFrom('review_link_clicks').select('user_agent').execute()).toEqual([{ user_agent: 'e2e' }]);
  });
});
