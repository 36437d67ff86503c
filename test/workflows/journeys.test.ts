import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { reviewLinkUrl } from '../../journeys/review-links.ts';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import { followReviewLink } from '../../api/routes/follow-review-link.ts';
import type { Db } from '../../db/connect.ts';
import { drainDerivedStateChanges } from '../../derived-state/drain-derived-state-changes.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { detractorFollowUpWorkflow, promoterReviewRequestWorkflow, responseReceivedWorkflow } from '../../workflows/index.ts';
import {
  journeyStateQuery,
  reassignTaskUpdate,
  reviewLinkClickedSignal,
  taskCompletedSignal,
  taskReassignedSignal,
  userAnsweredAsPromoterSignal,
} from '../../journeys/journey-messages.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { setJourneyEnabled } from '../../db/queries/journeys.ts';
import { aResponse } from '../fixtures/instance.ts';
import { completeTaskAndTellJourney } from '../../tasks/complete-task.ts';
import { reassignTaskAndTellJourney } from '../../tasks/reassign-task.ts';
import { TaskClosedError } from '../../tasks/task-errors.ts';
import { TaskNotActionableError } from '../../tasks/task-errors.ts';
import {
  closeJourneyHarness,
  createJourneyHarness,
  createJourneyWorker,
  holdEscalation,
  installJourneys,
  type JourneyHarness,
  seed as seedJourneyInstance,
} from '../helpers/journey-scenarios.ts';
import { REJECTING_DOMAIN, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { simpleParser } from 'mailparser';
import { timeInWords } from '../../mail/time-in-words.ts';

/**
 * Multi-day journeys on the time-skipping test server, with a real database (PGlite, and
 * PostgreSQL when DATABASE_URL is set) and a real SMTP server on loopback: emails are asserted
 * as received.
 */
// Each test runs a journey over days of the test server's time, several workflows and activities.
vi.setConfig({ testTimeout: 120_000 });

describeEachBackend('journeys', (database, backend) => {
  let harness: JourneyHarness;
  let env: TestWorkflowEnvironment;
  let db: Db;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    db = database();
    harness = await createJourneyHarness();
    ({ env, smtp } = harness);
  }, 600_000);
  afterAll(async () => {
    if (harness) await closeJourneyHarness(harness);
  });

  // Every test's user is user 1 again (the tables restart their ids), so its journeys'
  // workflow ids repeat: a journey a failed test left running must not leak into the next.
  afterEach(async () => {
    for (const journey of ['promoter-review-request', 'detractor-follow-up']) {
      await env.client.workflow.getHandle(journeyWorkflowId(journey, 1)).terminate('test over').catch(() => undefined);
    }
  });

  beforeEach(async () => {
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
    const worker = await createJourneyWorker(harness, db, taskQueue);
    return worker.runUntil(run(taskQueue));
  }

  const processResponse = (taskQueue: string, responseId: number) =>
    env.client.workflow.execute(responseReceivedWorkflow, { taskQueue, workflowId: `${responseWorkflowId(responseId)}-${randomUUID()}`, args: [{ responseId }] });

  const openTask = (level: number) =>
    waitFor(() => db.kysely.selectFrom('tasks').selectAll().where('status', '=', 'open').where('escalation_level', '=', level).executeTakeFirst(), `an open task at level ${level}`);
  const mailTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  const completeTask = (taskId: number, by: string, outcome: string) =>
    completeTaskAndTellJourney({ db: db.kysely, temporal: env.client }, taskId, { actor: { name: by }, outcome });
  const reassignTask = (taskId: number, to: string, reason: string | null = null) =>
    reassignTaskAndTellJourney({ db: db.kysely, temporal: env.client }, taskId, { actor: { name: 'admin' }, assignee: to, reason });

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
    // No journey waited for a recompute: the response's change is the drainer's, whose pass counts it.
    expect(await db.kysely.selectFrom('account_nps_snapshots').selectAll().execute()).toEqual([]);
    expect(await drainDerivedStateChanges(db.kysely, { now: new Date(), timeZone: 'UTC', counting: 'every_response' }, { limit: 10 })).toMatchObject({ accounts: 1, users: 1 });
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
      // The API's path: an update the journey validates, then closes the task itself.
      const completed = await completeTask(task.id, 'ann@cs.example', 'called, fixed exports');
      expect(completed).toMatchObject({ journey: 'signalled', task: { status: 'done', completedBy: 'ann@cs.example' } });
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
      const task0 = await openTask(0);
      await env.sleep('49 hours');
      const escalated = await openTask(1);
      expect(escalated.assignee_csm_id).not.toBeNull();
      await waitFor(async () => (mailTo('lead@cs.example').length === 1 ? true : undefined), 'the escalation email');
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      // The CSM's task was escalated: it takes no completion now.
      await expect(completeTask(task0.id, 'ann@cs.example', 'late')).rejects.toBeInstanceOf(TaskClosedError);
      await completeTask(escalated.id, 'lead@cs.example', 'handled');
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
      const reassigned = await reassignTask(task.id, 'rae@cs.example', 'Rae owns exports');
      // Recorded before the update answered: the task is Rae's in the database already.
      expect(reassigned).toMatchObject({ changed: true, task: { assignee: { id: rae.id } } });
      await waitFor(async () => (mailTo('rae@cs.example').length === 1 ? true : undefined), "the new assignee's email");
      const toRae = await simpleParser(mailTo('rae@cs.example')[0]!.raw);
      expect(toRae.text).toContain('Hi Rae Other');
      expect(toRae.text).toContain('Reassigned to you by admin: Rae owns exports.');
      // The due time stays, said in the reader's zone (the instance's: UTC here).
      expect(toRae.text).toContain(`by ${timeInWords(task.due_at, 'UTC')}`);
      expect(toRae.html).toContain('Reassigned to you by admin: Rae owns exports.');
      expect(await journey.query('journeyState')).toMatchObject({ step: 'waiting for the task', escalationLevel: 0, assignee: 'rae@cs.example', openTaskId: task.id });
      // An update about a task that is not the open one is refused and changes nothing.
      await expect(
        journey.executeUpdate(reassignTaskUpdate, { args: [{ taskId: task.id + 100, assignee: { id: 1, email: 'vp@cs.example', name: 'Vera VP' }, reassignedBy: 'admin', reason: null }] }),
      ).rejects.toThrow(WorkflowUpdateFailedError);

      // 49 hours after the task was created, not after the reassignment: the due time stayed.
      await env.sleep('25 hours');
      const escalated = await openTask(1);
      expect(escalated.assignee_csm_id).toBe(max.id);
      await waitFor(async () => (mailTo('max@cs.example').length === 1 ? true : undefined), "the new assignee's manager's email");
      const closed = await db.kysely.selectFrom('tasks').select(['status', 'outcome']).where('id', '=', task.id).executeTakeFirstOrThrow();
      expect(closed).toEqual({ status: 'cancelled', outcome: 'SLA passed: escalated to max@cs.example' });
      await completeTask(escalated.id, 'max@cs.example', 'called');
      expect((await journey.result()).outcome).toBe('completed by max@cs.example at escalation level 1: called');
    });
    expect([mailTo('ann@cs.example').length, mailTo('lead@cs.example').length, mailTo('vp@cs.example').length]).toEqual([1, 0, 0]);
  });

  it("does not escalate a task an earlier version's API closed just as the SLA passed", async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3));
      const task = await openTask(0);
      // Closed by that API, whose signal the workflow has not handled when its deadline fires.
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
      await completeTask(top.id, 'vp@cs.example', 'exec call');
      await journey.result();
    });
    expect([mailTo('ann@cs.example').length, mailTo('lead@cs.example').length, mailTo('vp@cs.example').length]).toEqual([1, 1, 1]);
  });

  // A journey a test leaves half-way (terminated by afterEach) can keep the time-skipping
  // server's clock from moving for the tests after it, which a held escalation, waiting on a
  // sleep it does not await, shows first: these tests come early, and each backend has its own server.
  const whileEscalating = (userId: number, during: () => Promise<void>) =>
    holdEscalation(harness, env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', userId)), during);

  it('refuses a completion that arrives while the SLA escalates the task, and escalates once', async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3));
      const task = await openTask(0);
      await whileEscalating(userId, async () => {
        const late = completeTaskAndTellJourney({ db: db.kysely, temporal: env.client }, task.id, { actor: { name: 'ann@cs.example' }, outcome: 'called' });
        await expect(late).rejects.toBeInstanceOf(TaskNotActionableError);
        await expect(late).rejects.toThrow(`the journey did not take the change: task ${task.id} is being escalated`);
      });
      const escalated = await openTask(1);
      await waitFor(async () => (mailTo('lead@cs.example').length === 1 ? true : undefined), 'the escalation email');
      await completeTask(escalated.id, 'lead@cs.example', 'handled');
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      expect((await journey.result()).outcome).toBe('completed by lead@cs.example at escalation level 1: handled');
    });
    const tasks = await db.kysely.selectFrom('tasks').select(['escalation_level', 'status', 'completed_by']).orderBy('escalation_level').execute();
    expect(tasks).toEqual([
      { escalation_level: 0, status: 'cancelled', completed_by: null },
      { escalation_level: 1, status: 'done', completed_by: 'lead@cs.example' },
    ]);
    expect(mailTo('lead@cs.example')).toHaveLength(1);
  });

  it('refuses a reassignment that arrives while the SLA escalates the task: nobody is told it is theirs', async () => {
    const { userId } = await seed();
    await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other' }).execute();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3));
      const task = await openTask(0);
      await whileEscalating(userId, async () => {
        const late = reassignTaskAndTellJourney({ db: db.kysely, temporal: env.client }, task.id, { actor: { name: 'admin' }, assignee: 'rae@cs.example', reason: null });
        await expect(late).rejects.toBeInstanceOf(TaskNotActionableError);
      });
      const escalated = await openTask(1);
      await waitFor(async () => (mailTo('lead@cs.example').length === 1 ? true : undefined), "the old assignee's manager's email");
      await completeTask(escalated.id, 'lead@cs.example', 'handled');
      await env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', userId)).result();
    });
    expect(mailTo('rae@cs.example')).toHaveLength(0);
    const first = await db.kysely.selectFrom('tasks').select(['assignee_csm_id', 'status']).where('escalation_level', '=', 0).executeTakeFirstOrThrow();
    expect(first.status).toBe('cancelled');
    const ann = await db.kysely.selectFrom('csms').select('id').where('email', '=', 'ann@cs.example').executeTakeFirstOrThrow();
    expect(first.assignee_csm_id).toBe(ann.id);
  });

  it("stops at a promoter answer that arrives while the SLA escalates the task: no manager's task, no email", async () => {
    const { userId } = await seed();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(1));
      await openTask(0);
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      await whileEscalating(userId, async () => {
        // What the promoter's response workflow does, sent while the escalation's close waits.
        await journey.signal(userAnsweredAsPromoterSignal, { responseId: 4242 });
      });
      const state = await journey.result();
      expect(state.outcome).toBe('the user answered as a promoter (response 4242)');
    });
    expect(await db.kysely.selectFrom('tasks').select(['escalation_level', 'status']).execute()).toEqual([{ escalation_level: 0, status: 'cancelled' }]);
    expect(mailTo('lead@cs.example')).toHaveLength(0);
    expect(await db.kysely.selectFrom('enrollments').select(['status', 'outcome']).execute()).toEqual([
      { status: 'cancelled', outcome: 'the user answered as a promoter (response 4242)' },
    ]);
  });

  it('closes the open task when the user later answers as a promoter', async () => {
    const { userId } = await seed();
    // Only the follow-up: a review request started here and ended half-way by the test stops the
    // test server's clock for the tests after it.
    await setJourneyEnabled(db.kysely, 'promoter-review-request', false, { actor: 'test' });
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
      await completeTask(task.id, 'ann@cs.example', 'done');
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
  it("still takes the signals an earlier version's API sent: a reassignment, then a completion", async () => {
    const { userId } = await seed();
    const rae = await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other' }).returning(['id', 'email', 'name']).executeTakeFirstOrThrow();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(3));
      const task = await openTask(0);
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      // That API changed the row itself, then signalled.
      await db.kysely.updateTable('tasks').set({ assignee_csm_id: rae.id }).where('id', '=', task.id).execute();
      await journey.signal(taskReassignedSignal, { taskId: task.id, assignee: rae, reassignedBy: 'admin', reason: null });
      await waitFor(async () => (mailTo('rae@cs.example').length === 1 ? true : undefined), "the new assignee's email");
      await db.kysely.updateTable('tasks').set({ status: 'done', outcome: 'sorted', completed_by: 'rae@cs.example', completed_at: new Date() }).where('id', '=', task.id).execute();
      await journey.signal(taskCompletedSignal, { taskId: task.id, completedBy: 'rae@cs.example', outcome: 'sorted' });
      expect((await journey.result()).outcome).toBe('completed by rae@cs.example at escalation level 0: sorted');
    });
  });

  it("does not let an old email's review link reach the user's next enrollment", async () => {
    const { userId } = await seed();
    const reviewLinks = { publicBaseUrl: 'https://nps.example.com', secret: 'test-secret' };
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(10));
      const first = env.client.workflow.getHandle<typeof promoterReviewRequestWorkflow>(journeyWorkflowId('promoter-review-request', userId));
      expect((await first.result()).outcome).toBe('reminder sent, link not followed');
      const [firstEnrollment] = await db.kysely.selectFrom('enrollments').select('id').execute();

      await env.sleep('91 days');
      await processResponse(taskQueue, await respond(9));
      const enrollments = await db.kysely.selectFrom('enrollments').select(['id', 'status']).orderBy('id').execute();
      expect(enrollments).toHaveLength(2);
      const second = env.client.workflow.getHandle<typeof promoterReviewRequestWorkflow>(journeyWorkflowId('promoter-review-request', userId));
      await waitFor(async () => ((await second.query(journeyStateQuery)).step === 'waiting for the link to be followed' ? true : undefined), 'the second request');
      // The first email's link, followed now: recorded for the first enrollment, and the second journey does not take it.
      const token = new URL(reviewLinkUrl(reviewLinks, firstEnrollment!.id)).pathname.slice('/r/'.length);
      expect(await followReviewLink({ db: db.kysely, temporal: env.client, reviewLinks }, token, 'old email')).not.toBeNull();
      expect(await second.query('journeyState')).toMatchObject({ reviewLinkClicked: false });
      expect((await second.result()).outcome).toBe('reminder sent, link not followed');
    });
    expect(await db.kysely.selectFrom('review_link_clicks').select('enrollment_id').execute()).toHaveLength(1);
  });

  it('fails at once, without retrying for ever, when the response is not in the database', async () => {
    await seed();
    await withWorker(async (taskQueue) => {
      const error = await processResponse(taskQueue, 987_654).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      if (!(error instanceof WorkflowFailedError)) return;
      // The activity's failure, non-retryable by its type, is the workflow's.
      const causes: unknown[] = [];
      for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) causes.push(cause);
      expect(causes.find((cause) => cause instanceof ApplicationFailure)).toMatchObject({ type: 'ResponseNotFoundError', message: 'no NPS response with id 987654' });
    });
  });

  it("ends the enrollment as failed, saying why, when a promoter's address cannot receive mail", async () => {
    const { userId } = await seed();
    await db.kysely.updateTable('users').set({ email: `bo@${REJECTING_DOMAIN}` }).where('id', '=', userId).execute();
    await withWorker(async (taskQueue) => {
      const now = new Date(await env.currentTimeMs());
      const stored = await storeBatch(db.kysely, 'generic', [{ ok: true, response: aResponse({ email: `bo@${REJECTING_DOMAIN}`, score: 10, respondedAt: new Date(now.getTime() - 60_000) }), payload: {} }], now);
      await processResponse(taskQueue, stored.changed[0]!.id);
      const journey = env.client.workflow.getHandle(journeyWorkflowId('promoter-review-request', userId));
      await expect(journey.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
    const [enrollment] = await db.kysely.selectFrom('enrollments').select(['status', 'outcome']).execute();
    expect(enrollment!.status).toBe('failed');
    expect(enrollment!.outcome).toMatch(/^the journey failed: .*mailbox unavailable/);
  });

  it("keeps a follow-up going when the CSM's address cannot receive mail: the task is there and escalates", async () => {
    const { userId } = await seed();
    await db.kysely.updateTable('csms').set({ email: `ann@${REJECTING_DOMAIN}` }).where('external_id', '=', 'csm').execute();
    await withWorker(async (taskQueue) => {
      await processResponse(taskQueue, await respond(2));
      await openTask(0);
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      // The task is waiting before its email is tried; the email's row records why it failed.
      const failedEmail = await waitFor(() => db.kysely.selectFrom('emails').select(['status', 'error']).where('status', '=', 'failed').executeTakeFirst(), 'the failed email');
      expect(failedEmail.error).toMatch(/rejected recipient ann@invalid\.example: 550/);
      await waitFor(async () => ((await journey.query(journeyStateQuery)).step === 'waiting for the task' ? true : undefined), 'the journey to wait on the task');
      // The SLA's timer runs once the failed email's step has ended: only then may time skip ahead.
      await waitFor(async () => ((await journey.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) ? true : undefined), "the SLA's timer");
      await env.sleep('49 hours');
      const escalated = await openTask(1);
      await waitFor(async () => (mailTo('lead@cs.example').length === 1 ? true : undefined), 'the escalation email');
      await completeTask(escalated.id, 'lead@cs.example', 'handled');
      expect((await journey.result()).outcome).toBe('completed by lead@cs.example at escalation level 1: handled');
    });
  });
});
