import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { detractorFollowUpWorkflow, promoterReviewRequestWorkflow, responseReceivedWorkflow } from '../../workflows/index.ts';
import { reviewLinkClickedSignal, taskCompletedSignal, taskReassignedSignal } from '../../workflows/journey-messages.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { aResponse } from '../fixtures/instance.ts';
import { createJourneyWorker, installJourneys, seed as seedJourneyInstance } from '../helpers/journey-scenarios.ts';
import { emptyDatabase } from '../helpers/test-database.ts';
import { createTestSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { bundleWorkflowsOnce, createTimeSkippingEnvironment } from '../helpers/temporal.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Multi-day journeys on the time-skipping test server, with a real database (PGlite) and a
 * real SMTP server on loopback: emails are asserted as received.
 */
describe('journeys', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let db: Db;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = createTestSmtpServer();
    await smtp.start();
    [env, workflowBundle, db] = await Promise.all([createTimeSkippingEnvironment(), bundleWorkflowsOnce(), openDatabase({ kind: 'pglite' })]);
  }, 600_000);

  afterAll(async () => {
    await env?.teardown();
    await db?.close();
    await smtp?.stop();
  });

  // Every test's user is user 1 again (the tables restart their ids), so its journeys'
  // workflow ids repeat: a journey a failed test left running must not leak into the next.
  afterEach(async () => {
    for (const journey of ['promoter-review-request', 'detractor-follow-up']) {
      await env.client.workflow.getHandle(journeyWorkflowId(journey, 1)).terminate('test over').catch(() => undefined);
    }
  });

  beforeEach(async () => {
    await emptyDatabase(db);
    smtp.received.length = 0;
    await installJourneys(db);
  });

  const seed = () => seedJourneyInstance(db);

  /** Stores a response given just now (by the test server's clock) and returns its id. */
  async function respond(score: number, comment: string | null = null): Promise<number> {
    const now = new Date(await env.currentTimeMs());
    const stored = await storeBatch(db.kysely, 'generic', [{ ok: true, response: aResponse({ email: 'bo@acme.example', score, comment, respondedAt: new Date(now.getTime() - 60_000) }), payload: {} }], now);
    return stored.changed[0]!.id;
  }

  async function withWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `journeys-${randomUUID()}`;
    const worker = await createJourneyWorker({ env, smtp, workflowBundle }, db, taskQueue);
    return worker.runUntil(run(taskQueue));
  }

  const processResponse = (taskQueue: string, responseId: number) =>
    env.client.workflow.execute(responseReceivedWorkflow, { taskQueue, workflowId: `${responseWorkflowId(responseId)}-${randomUUID()}`, args: [{ responseId }] });

  const openTask = (level: number) =>
    waitFor(() => db.kysely.selectFrom('tasks').selectAll().where('status', '=', 'open').where('escalation_level', '=', level).executeTakeFirst(), `an open task at level ${level}`);
  const mailTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));

  it('asks a promoter who clicks for a review once, with the link through npsloop', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      const responseId = await respond(10);
      const processed = await processResponse(taskQueue, responseId);
      expect(processed.journeys).toEqual([{ journey: 'promoter-review-request', status: 'started' }]);
      const journey = env.client.workflow.getHandle(journeyWorkflowId('promoter-review-request', userId));
      await waitFor(async () => (mailTo('bo@acme.example').length === 1 ? true : undefined), 'the review request');
      expect(mailTo('bo@acme.example')[0]!.raw).toMatch(/https:\/\/nps\.example\.com\/r\/\d+\.[\w-]{22}/);
      await journey.signal(reviewLinkClickedSignal);
      const state = await journey.result();
      expect(state.outcome).toBe('review link followed');
    });
    expect(mailTo('bo@acme.example')).toHaveLength(1);
    // The response workflow refreshed the account's NPS on its way.
    const snapshot = await db.kysely.selectFrom('account_nps_snapshots').selectAll().where('window_key', '=', 'last_30_days').executeTakeFirstOrThrow();
    expect(snapshot).toMatchObject({ promoters: 1, total: 1, nps: 100 });
    const [enrollment] = await db.kysely.selectFrom('enrollments').selectAll().execute();
    expect(enrollment).toMatchObject({ status: 'completed', outcome: 'review link followed' });
  });

  it('sends one reminder, three days later, to a promoter who does not click', async () => {
    const { userId } = await seed();
    const state = await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(9));
      return env.client.workflow.getHandle<typeof promoterReviewRequestWorkflow>(journeyWorkflowId('promoter-review-request', userId)).result();
    });
    expect(state.outcome).toBe('reminder sent, link not followed');
    expect(mailTo('bo@acme.example')).toHaveLength(2);
  });

  it('ends a detractor follow-up when the CSM completes the task in time', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(2, 'Exports keep failing'));
      const task = await openTask(0);
      await waitFor(async () => (mailTo('ann@cs.example').length === 1 ? true : undefined), "the CSM's email");
      expect(mailTo('ann@cs.example')[0]!.raw).toContain('Exports keep failing');
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      expect(await journey.query('journeyState')).toMatchObject({ step: 'waiting for the task', escalationLevel: 0, assignee: 'ann@cs.example' });
      await journey.signal(taskCompletedSignal, { taskId: task.id, completedBy: 'ann@cs.example', outcome: 'called, fixed exports' });
      const state = await journey.result();
      expect(state.outcome).toBe('completed by ann@cs.example at escalation level 0: called, fixed exports');
    });
    const tasks = await db.kysely.selectFrom('tasks').select(['status', 'outcome', 'escalation_level']).execute();
    expect(tasks).toEqual([{ status: 'done', outcome: 'called, fixed exports', escalation_level: 0 }]);
    expect(mailTo('lead@cs.example')).toHaveLength(0);
  });

  it('escalates once to the manager when the SLA passes, and ends when the manager completes', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3));
      await openTask(0);
      await env.sleep('49 hours');
      const escalated = await openTask(1);
      expect(escalated.assignee_csm_id).not.toBeNull();
      await waitFor(async () => (mailTo('lead@cs.example').length === 1 ? true : undefined), 'the escalation email');
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      await journey.signal(taskCompletedSignal, { taskId: escalated.id, completedBy: 'lead@cs.example', outcome: 'handled' });
      expect((await journey.result()).outcome).toBe('completed by lead@cs.example at escalation level 1: handled');
    });
    const tasks = await db.kysely.selectFrom('tasks').select(['escalation_level', 'status']).orderBy('escalation_level').execute();
    expect(tasks).toEqual([{ escalation_level: 0, status: 'cancelled' }, { escalation_level: 1, status: 'done' }]);
  });

  it('reassigns the open task: the new assignee is emailed, the due time stays, and escalation follows their chain', async () => {
    const { userId } = await seed();
    const max = await db.kysely.insertInto('csms').values({ external_id: 'max', email: 'max@cs.example', name: 'Max Manager' }).returning(['id', 'email', 'name']).executeTakeFirstOrThrow();
    const rae = await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other', manager_id: max.id }).returning(['id', 'email', 'name']).executeTakeFirstOrThrow();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3, 'Exports keep failing'));
      const task = await openTask(0);
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      await env.sleep('24 hours');
      await journey.signal(taskReassignedSignal, { taskId: task.id, assignee: rae, reassignedBy: 'admin', reason: 'Rae owns exports' });
      await waitFor(async () => (mailTo('rae@cs.example').length === 1 ? true : undefined), "the new assignee's email");
      expect(mailTo('rae@cs.example')[0]!.raw).toContain('Hi Rae Other');
      expect(mailTo('rae@cs.example')[0]!.raw).toContain(task.due_at.toISOString());
      expect(await journey.query('journeyState')).toMatchObject({ step: 'waiting for the task', escalationLevel: 0, assignee: 'rae@cs.example', openTaskId: task.id });
      // A signal about a task that is not the open one changes nothing.
      await journey.signal(taskReassignedSignal, { taskId: task.id + 100, assignee: { id: 1, email: 'vp@cs.example', name: 'Vera VP' }, reassignedBy: 'admin', reason: null });

      // 49 hours after the task was created, not after the reassignment: the due time stayed.
      await env.sleep('25 hours');
      const escalated = await openTask(1);
      expect(escalated.assignee_csm_id).toBe(max.id);
      await waitFor(async () => (mailTo('max@cs.example').length === 1 ? true : undefined), "the new assignee's manager's email");
      const closed = await db.kysely.selectFrom('tasks').select(['status', 'outcome']).where('id', '=', task.id).executeTakeFirstOrThrow();
      expect(closed).toEqual({ status: 'cancelled', outcome: 'SLA passed: escalated to max@cs.example' });
      await journey.signal(taskCompletedSignal, { taskId: escalated.id, completedBy: 'max@cs.example', outcome: 'called' });
      expect((await journey.result()).outcome).toBe('completed by max@cs.example at escalation level 1: called');
    });
    expect([mailTo('ann@cs.example').length, mailTo('lead@cs.example').length, mailTo('vp@cs.example').length]).toEqual([1, 0, 0]);
  });

  it('does not escalate a task completed just as the SLA passed', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3));
      const task = await openTask(0);
      // Closed by the API, whose signal the workflow has not handled when its deadline fires.
      await db.kysely.updateTable('tasks').set({ status: 'done', outcome: 'called', completed_by: 'ann@cs.example', completed_at: new Date() }).where('id', '=', task.id).execute();
      await env.sleep('49 hours');
      const state = await env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId)).result();
      expect(state.outcome).toBe('completed by ann@cs.example at escalation level 0: called');
    });
    expect(await db.kysely.selectFrom('tasks').select(['escalation_level', 'status']).execute()).toEqual([{ escalation_level: 0, status: 'done' }]);
    expect(mailTo('lead@cs.example')).toHaveLength(0);
  });

  it('escalates up the whole chain and then waits at the top', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(0));
      await openTask(0);
      await env.sleep('49 hours');
      await openTask(1);
      await env.sleep('49 hours');
      const top = await openTask(2);
      await env.sleep('30 days');
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      expect(await journey.query('journeyState')).toMatchObject({ escalationLevel: 2, assignee: 'vp@cs.example', openTaskId: top.id });
      await journey.signal(taskCompletedSignal, { taskId: top.id, completedBy: 'vp@cs.example', outcome: 'exec call' });
      await journey.result();
    });
    expect([mailTo('ann@cs.example').length, mailTo('lead@cs.example').length, mailTo('vp@cs.example').length]).toEqual([1, 1, 1]);
  });

  it('closes the open task when the user later answers as a promoter', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(1));
      const task = await openTask(0);
      await env.sleep('1 day');
      await processResponse(taskQueue, await respond(10));
      const state = await env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId)).result();
      expect(state.outcome).toMatch(/^the user answered as a promoter/);
      const closed = await db.kysely.selectFrom('tasks').selectAll().where('id', '=', task.id).executeTakeFirstOrThrow();
      expect(closed).toMatchObject({ status: 'cancelled' });
      expect(closed.outcome).toMatch(/answered as a promoter/);
    });
  });

  it('enrolls once for a duplicate delivery, and not again within the cooldown', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      const responseId = await respond(4);
      const first = await processResponse(taskQueue, responseId);
      const again = await processResponse(taskQueue, responseId);
      expect(first.journeys).toEqual([{ journey: 'detractor-follow-up', status: 'started' }]);
      // The redelivery reaches the same enrollment and the same running workflow.
      expect(again.journeys).toEqual(first.journeys);
      const task = await openTask(0);
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      await journey.signal(taskCompletedSignal, { taskId: task.id, completedBy: 'ann@cs.example', outcome: 'done' });
      await journey.result();

      // The journey has ended; a new detractor answer within 90 days enrolls nobody.
      const within = await processResponse(taskQueue, await respond(2));
      expect(within.journeys).toEqual([{ journey: 'detractor-follow-up', status: 'skipped', reason: 'cooldown' }]);
    });
    expect(await db.kysely.selectFrom('enrollments').select('id').execute()).toHaveLength(1);
    expect(await db.kysely.selectFrom('tasks').select('id').execute()).toHaveLength(1);
    expect(mailTo('ann@cs.example')).toHaveLength(1);
    expect(DETRACTOR_FOLLOW_UP.cooldownDays).toBe(90);
  });
});
