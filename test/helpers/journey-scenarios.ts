import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import { installMissingJourneys, saveJourney, setJourneyEnabled } from '../../db/queries/journeys.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { BUILT_IN_JOURNEYS, PROMOTER_REVIEW_REQUEST } from '../../journeys/built-in-journeys.ts';
import { createMailTransport } from '../../mail/create-transport.ts';
import { responseReceivedWorkflow } from '../../workflows/index.ts';
import { journeyStateQuery, reviewLinkClickedSignal, userAnsweredAsPromoterSignal } from '../../journeys/journey-messages.ts';
import { completeTaskAndTellJourney } from '../../tasks/complete-task.ts';
import { reassignTaskAndTellJourney } from '../../tasks/reassign-task.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { aResponse } from '../fixtures/instance.ts';
import { EscalationGate } from './escalation-gate.ts';
import { createTestSmtpServer, type TestSmtpServer } from './smtp-server.ts';
import { bundleWorkflowsOnce, createTimeSkippingEnvironment } from './temporal.ts';
import { waitFor } from './wait-for.ts';

/**
 * The built-in journeys' paths, run as test/workflows/journeys.test.ts runs them: the
 * time-skipping server, a real database (PGlite) and a real SMTP server on loopback. Used by
 * test/workflows/record-histories.ts to record the replay fixtures, which runs under tsx: no
 * vitest here (test-database.ts imports it), so each scenario gets a fresh PGlite instead of a
 * truncated one.
 */
export interface JourneyHarness {
  env: TestWorkflowEnvironment;
  smtp: TestSmtpServer;
  workflowBundle: WorkflowBundleWithSourceMap;
  /** Open but while holdEscalation holds an escalation. */
  escalationGate: EscalationGate;
}

export async function createJourneyHarness(): Promise<JourneyHarness> {
  const smtp = createTestSmtpServer();
  await smtp.start();
  const [env, bundle] = await Promise.all([createTimeSkippingEnvironment(), bundleWorkflowsOnce()]);
  return { env, smtp, workflowBundle: bundle, escalationGate: new EscalationGate() };
}

export async function closeJourneyHarness({ env, smtp }: JourneyHarness): Promise<void> {
  await env.teardown();
  await smtp.stop();
}

/** The built-in journeys, the review request enabled with a review site. */
export async function installJourneys(db: Db): Promise<void> {
  await installMissingJourneys(db.kysely, BUILT_IN_JOURNEYS, { actor: 'test' });
  await saveJourney(db.kysely, { ...PROMOTER_REVIEW_REQUEST, steps: { ...PROMOTER_REVIEW_REQUEST.steps, reviewUrl: 'https://www.g2.com/products/npsloop/reviews' } } as typeof PROMOTER_REVIEW_REQUEST, { actor: 'test' });
  await setJourneyEnabled(db.kysely, 'promoter-review-request', true, { actor: 'test' });
}

/** A CSM chain (csm → lead → vp), an account the CSM owns, and one user. */
export async function seed(db: Db) {
  const k = db.kysely;
  const vp = await k.insertInto('csms').values({ external_id: 'vp', email: 'vp@cs.example', name: 'Vera VP' }).returning('id').executeTakeFirstOrThrow();
  const lead = await k.insertInto('csms').values({ external_id: 'lead', email: 'lead@cs.example', name: 'Lee Lead', manager_id: vp.id }).returning('id').executeTakeFirstOrThrow();
  const csm = await k.insertInto('csms').values({ external_id: 'csm', email: 'ann@cs.example', name: 'Ann CSM', manager_id: lead.id }).returning('id').executeTakeFirstOrThrow();
  const account = await k.insertInto('accounts').values({ external_id: 'acme', name: 'Acme', csm_id: csm.id }).returning('id').executeTakeFirstOrThrow();
  await k.insertInto('account_ownership').values({ account_id: account.id, csm_id: csm.id, valid_from: new Date(0) }).execute();
  const user = await k.insertInto('users').values({ external_id: 'u', account_id: account.id, email: 'bo@acme.example', name: 'Bo Buyer', role: 'admin' }).returning('id').executeTakeFirstOrThrow();
  return { userId: user.id, accountId: account.id };
}

/** What a scenario can do, bound to one worker's task queue and the seeded user. */
export interface ScenarioContext {
  userId: number;
  /** The seeded instance's database. */
  db: Db;
  /** Stores a response given just now (by the test server's clock) and runs its workflow to the end. */
  respond(score: number, comment?: string | null): Promise<WorkflowHandle>;
  /** The journey's current run for the seeded user, pinned to its run id. */
  journey(name: 'promoter-review-request' | 'detractor-follow-up'): Promise<WorkflowHandle>;
  openTask(level: number): Promise<{ id: number }>;
  /** As a person does through the API: the journey's update. */
  complete(taskId: number, by: string, outcome: string): Promise<void>;
  reassign(taskId: number, to: string, reason?: string): Promise<void>;
  /**
   * Lets the SLA pass while a transaction holds the open task's row (and, on PGlite, the whole
   * database), so the escalation's close waits; runs `during` meanwhile, then lets it go on.
   */
  whileEscalating(during: () => Promise<void>): Promise<void>;
  waitForMail(address: string, count: number): Promise<void>;
  sleep(duration: string): Promise<void>;
}

/** Someone to reassign a task to, Rae, with her manager Max. */
async function addRaeAndMax(db: Db): Promise<void> {
  const max = await db.kysely.insertInto('csms').values({ external_id: 'max', email: 'max@cs.example', name: 'Max Manager' }).returning('id').executeTakeFirstOrThrow();
  await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other', manager_id: max.id }).execute();
}

export interface JourneyScenario {
  /** Becomes the fixture's file-name prefix: `<name>--<workflowId>.json`. */
  name: string;
  /**
   * Runs the path to the end and returns every workflow whose history is worth recording: each
   * journey run, and the response workflow once per path it takes (a detractor's; a promoter's,
   * which notifies, with no journey and then with a follow-up to signal).
   */
  run(s: ScenarioContext): Promise<WorkflowHandle[]>;
}

export const JOURNEY_SCENARIOS: JourneyScenario[] = [
  {
    name: 'promoter-clicks',
    async run(s) {
      const response = await s.respond(10);
      const journey = await s.journey('promoter-review-request');
      await s.waitForMail('bo@acme.example', 1);
      const enrollment = await s.db.kysely.selectFrom('enrollments').select('id').executeTakeFirstOrThrow();
      await journey.signal(reviewLinkClickedSignal, { enrollmentId: enrollment.id });
      await journey.result();
      return [response, journey];
    },
  },
  {
    name: 'promoter-no-click-reminder',
    async run(s) {
      await s.respond(9);
      const journey = await s.journey('promoter-review-request');
      await journey.result();
      return [journey];
    },
  },
  {
    name: 'detractor-completed-in-time',
    async run(s) {
      const response = await s.respond(2, 'Exports keep failing');
      const task = await s.openTask(0);
      await s.waitForMail('ann@cs.example', 1);
      const journey = await s.journey('detractor-follow-up');
      await s.complete(task.id, 'ann@cs.example', 'called, fixed exports');
      await journey.result();
      return [response, journey];
    },
  },
  {
    name: 'detractor-escalated-once',
    async run(s) {
      await s.respond(3);
      await s.openTask(0);
      await s.sleep('49 hours');
      const escalated = await s.openTask(1);
      await s.waitForMail('lead@cs.example', 1);
      const journey = await s.journey('detractor-follow-up');
      await s.complete(escalated.id, 'lead@cs.example', 'handled');
      await journey.result();
      return [journey];
    },
  },
  {
    name: 'detractor-escalated-to-top',
    async run(s) {
      await s.respond(0);
      await s.openTask(0);
      await s.sleep('49 hours');
      await s.openTask(1);
      await s.sleep('49 hours');
      const top = await s.openTask(2);
      await s.sleep('30 days');
      const journey = await s.journey('detractor-follow-up');
      await s.complete(top.id, 'vp@cs.example', 'exec call');
      await journey.result();
      return [journey];
    },
  },
  {
    name: 'detractor-promoter-answer-while-escalating',
    async run(s) {
      await s.respond(1);
      await s.openTask(0);
      const journey = await s.journey('detractor-follow-up');
      await s.whileEscalating(async () => {
        await journey.signal(userAnsweredAsPromoterSignal, { responseId: 4242 });
      });
      await journey.result();
      return [journey];
    },
  },  {
    name: 'detractor-reassigned-then-completed',
    async run(s) {
      await addRaeAndMax(s.db);
      await s.respond(3, 'Exports keep failing');
      const task = await s.openTask(0);
      await s.sleep('24 hours');
      await s.reassign(task.id, 'rae@cs.example', 'Rae owns exports');
      await s.waitForMail('rae@cs.example', 1);
      const journey = await s.journey('detractor-follow-up');
      await s.complete(task.id, 'rae@cs.example', 'sorted');
      await journey.result();
      return [journey];
    },
  },
  {
    name: 'detractor-reassigned-then-escalated',
    async run(s) {
      await addRaeAndMax(s.db);
      await s.respond(3);
      const task = await s.openTask(0);
      await s.reassign(task.id, 'rae@cs.example');
      await s.waitForMail('rae@cs.example', 1);
      await s.sleep('49 hours');
      const escalated = await s.openTask(1);
      await s.waitForMail('max@cs.example', 1);
      const journey = await s.journey('detractor-follow-up');
      await s.complete(escalated.id, 'max@cs.example', 'called');
      await journey.result();
      return [journey];
    },
  },

  // Last: the review request it starts is ended half-way, which can stop the test server's clock.
  {
    name: 'detractor-closed-by-promoter-answer',
    async run(s) {
      await s.respond(1);
      await s.openTask(0);
      await s.sleep('1 day');
      // Signals the running follow-up; it also enrolls the user in the review request (not recorded here).
      const promoterResponse = await s.respond(10);
      const journey = await s.journey('detractor-follow-up');
      await journey.result();
      return [promoterResponse, journey];
    },
  },
];

/**
 * Lets a follow-up's SLA pass with the escalation's close of the task held at the harness's gate
 * (the workflow is then "escalating" and its task no longer actionable); `during` runs meanwhile.
 * Returns once the escalation has gone on.
 */
export async function holdEscalation({ env, escalationGate }: Pick<JourneyHarness, 'env' | 'escalationGate'>, journey: WorkflowHandle, during: () => Promise<void>): Promise<void> {
  // The steps before the wait (the email, the escalation target) must be over, the SLA's timer
  // running: otherwise the sleep below could end before the SLA has passed.
  await waitFor(async () => (await waitsOnTimer(journey)) || undefined, 'the journey to wait on its task');
  escalationGate.shut();
  let slaPassed: Promise<void> | undefined;
  try {
    // Not awaited yet: the test server's clock stands still while an activity runs, so the sleep
    // ends only after the held close has gone through.
    slaPassed = env.sleep('49 hours');
    // The gate is reached exactly when the escalation's close starts: nothing to poll for.
    await Promise.race([
      escalationGate.reached(),
      sleep(60_000, undefined, { ref: false }).then(() => Promise.reject(new Error('the escalation did not reach its close of the task within 60 s'))),
    ]);
    const { step } = await journey.query(journeyStateQuery);
    if (step !== 'escalating') throw new Error(`the journey is "${step}" at the escalation's close`);
    await during();
  } finally {
    escalationGate.open();
  }
  await slaPassed;
}

/** The workflow has a timer running and no activity: it waits, on a deadline, for something to happen. */
async function waitsOnTimer(workflow: WorkflowHandle): Promise<boolean> {
  const { EventType } = proto.temporal.api.enums.v1;
  const events = (await workflow.fetchHistory()).events ?? [];
  const count = (type: number) => events.filter((event) => event.eventType === type).length;
  const timers = count(EventType.EVENT_TYPE_TIMER_STARTED) - count(EventType.EVENT_TYPE_TIMER_FIRED) - count(EventType.EVENT_TYPE_TIMER_CANCELED);
  const activities =
    count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) -
    count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) -
    count(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED) -
    count(EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) -
    count(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
  return timers > 0 && activities === 0;
}

export interface RecordedHistory {
  scenario: string;
  workflowId: string;
  history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
}

/** The real activities over this database and the test SMTP server, in UTC. */
export function createTestActivities({ env, smtp }: Pick<JourneyHarness, 'env' | 'smtp'>, db: Db, taskQueue: string) {
  return createActivities({
    db: db.kysely,
    npsSettings: () => ({ now: new Date(), timeZone: 'UTC', counting: 'every_response' }),
    mailer: createMailTransport({ smtpUrl: smtp.url(), from: 'npsloop <npsloop@test.example>', outboxDir: '' }),
    temporal: env.client,
    taskQueue,
    reviewLinks: { publicBaseUrl: 'https://nps.example.com', secret: 'test-secret' },
    reportMinimumResponses: 5,
  });
}

/** A worker on its own task queue with the real activities: this database, the test SMTP server. */
export function createJourneyWorker(
  { env, smtp, workflowBundle, escalationGate }: JourneyHarness,
  db: Db,
  taskQueue: string,
  options: Pick<WorkerOptions, 'maxCachedWorkflows'> = {},
): Promise<Worker> {
  const activities = createTestActivities({ env, smtp }, db, taskQueue);
  return Worker.create({
    ...options,
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: {
      ...activities,
      // Only a journey closes a task as cancelled: the gate is shut while an escalation is held.
      closeTask: async (input: Parameters<typeof activities.closeTask>[0]) => {
        if (input.status === 'cancelled') await escalationGate.pass();
        return activities.closeTask(input);
      },
    },
  });
}

/** Runs one scenario on a fresh database with its own worker, and fetches the histories it returns. */
export async function runScenario(harness: JourneyHarness, scenario: JourneyScenario): Promise<RecordedHistory[]> {
  const { env, smtp, escalationGate } = harness;
  const db = await openDatabase({ kind: 'pglite' });
  smtp.received.length = 0;
  await installJourneys(db);
  const { userId } = await seed(db);
  const taskQueue = `journeys-${randomUUID()}`;
  const worker = await createJourneyWorker(harness, db, taskQueue);

  const journeyOf = async (name: 'promoter-review-request' | 'detractor-follow-up') => {
    const workflowId = journeyWorkflowId(name, userId);
    const { runId } = await env.client.workflow.getHandle(workflowId).describe();
    return env.client.workflow.getHandle(workflowId, runId);
  };
  const context: ScenarioContext = {
    userId,
    db,
    async respond(score, comment = null) {
      const now = new Date(await env.currentTimeMs());
      const stored = await storeBatch(db.kysely, 'generic', [{ ok: true, response: aResponse({ email: 'bo@acme.example', score, comment, respondedAt: new Date(now.getTime() - 60_000) }), payload: {} }], now);
      const responseId = stored.changed[0]!.id;
      const handle = await env.client.workflow.start(responseReceivedWorkflow, { taskQueue, workflowId: responseWorkflowId(responseId), args: [{ responseId }] });
      await handle.result();
      return env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    },
    journey: journeyOf,
    openTask: (level) =>
      waitFor(() => db.kysely.selectFrom('tasks').select('id').where('status', '=', 'open').where('escalation_level', '=', level).executeTakeFirst(), `an open task at level ${level}`),
    async complete(taskId, by, outcome) {
      await completeTaskAndTellJourney({ db: db.kysely, temporal: env.client }, taskId, { actor: { name: by }, outcome });
    },
    async reassign(taskId, to, reason) {
      await reassignTaskAndTellJourney({ db: db.kysely, temporal: env.client }, taskId, { actor: { name: 'admin' }, assignee: to, reason: reason ?? null });
    },
    whileEscalating: async (during) => holdEscalation({ env, escalationGate }, await journeyOf('detractor-follow-up'), during),
    async waitForMail(address, count) {
      await waitFor(async () => (smtp.received.filter((m) => m.to.includes(address)).length >= count ? true : undefined), `${count} email(s) to ${address}`);
    },
    sleep: (duration) => env.sleep(duration),
  };

  try {
    const handles = await worker.runUntil(scenario.run(context));
    return await Promise.all(handles.map(async (handle) => ({ scenario: scenario.name, workflowId: handle.workflowId, history: await handle.fetchHistory() })));
  } finally {
    // Workflow ids repeat from one scenario to the next (user 1 again): leave nothing running.
    for (const journey of ['promoter-review-request', 'detractor-follow-up']) {
      await env.client.workflow.getHandle(journeyWorkflowId(journey, userId)).terminate('scenario over').catch(() => undefined);
    }
    await db.close();
  }
}
