import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import type { Db } from '../../db/connect.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { journeyStateQuery } from '../../journeys/journey-messages.ts';
import { responseReceivedWorkflow } from '../../workflows/index.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { aResponse } from '../fixtures/instance.ts';
import { closeJourneyHarness, createJourneyHarness, createJourneyWorker, installJourneys, type JourneyHarness, seed } from '../helpers/journey-scenarios.ts';
import { localActivityMarkers } from '../helpers/local-activity-markers.ts';
import { createTestSmtpServer, type TestSmtpServer, type TestSmtpServerOptions } from '../helpers/smtp-server.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * A journey email's first attempt runs in the workflow task that asks for it
 * (workflows/journey-email-step.ts); the activity takes over when that attempt did not send it.
 * A detractor's follow-up email to its CSM, on the time-skipping server, a real database and a
 * real SMTP server on loopback that is prompt, refuses once, or is slower than the first attempt.
 */
// The slow server answers after 12 s, past the first attempt's 10 s.
vi.setConfig({ testTimeout: 90_000 });

const CSM = 'ann@cs.example';

describeEachBackend('journey email step', (database) => {
  let harness: JourneyHarness;
  let db: Db;
  const servers: TestSmtpServer[] = [];

  beforeAll(async () => {
    db = database();
    harness = await createJourneyHarness();
  }, 600_000);
  afterAll(async () => {
    if (harness) await closeJourneyHarness(harness);
  });
  beforeEach(() => installJourneys(db));
  afterEach(async () => {
    await harness.env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', 1)).terminate('test over').catch(() => undefined);
    for (const server of servers.splice(0)) await server.stop();
  });

  /** A detractor answers; a worker whose mail goes to an SMTP server that behaves as told runs `check` against its journey. */
  async function followUpWith(smtpOptions: TestSmtpServerOptions, check: (journey: WorkflowHandle, smtp: TestSmtpServer) => Promise<void>): Promise<void> {
    const smtp = createTestSmtpServer(smtpOptions);
    servers.push(smtp);
    await smtp.start();
    const { userId } = await seed(db);
    const { env } = harness;
    const taskQueue = `journey-email-${randomUUID()}`;
    const worker = await createJourneyWorker({ ...harness, smtp }, db, taskQueue);
    await worker.runUntil(async () => {
      const now = new Date(await env.currentTimeMs());
      const stored = await storeBatch(db.kysely, 'generic', [{ ok: true, response: aResponse({ email: 'bo@acme.example', score: 2, respondedAt: new Date(now.getTime() - 60_000) }), payload: {} }], now);
      const responseId = stored.changed[0]!.id;
      await env.client.workflow.execute(responseReceivedWorkflow, { taskQueue, workflowId: `${responseWorkflowId(responseId)}-${randomUUID()}`, args: [{ responseId }] });
      const journey = env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', userId));
      await waitFor(async () => ((await emailSteps(journey)).waiting ? true : undefined), 'the journey to wait on its task after the email step');
      await check(journey, smtp);
    });
  }

  /** The email step as the journey's history has it: its local attempt, its activity, and whether the SLA's wait has begun. */
  async function emailSteps(journey: WorkflowHandle) {
    const events = (await journey.fetchHistory()).events ?? [];
    const localAttempts = localActivityMarkers(events)
      .filter((marker) => marker.activityType === 'sendJourneyEmail')
      .map(({ failure }) => ({ failure }));
    const activityScheduled = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'sendJourneyEmail').length;
    const activityResults = events.flatMap((event) => {
      const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      return payload ? [JSON.parse(Buffer.from(payload).toString('utf8')) as { status: string }] : [];
    });
    const waiting = events.some((event) => event.timerStartedEventAttributes);
    return { localAttempts, activityScheduled, activityResults, waiting };
  }

  const emailRow = () => db.kysely.selectFrom('emails').select(['to_address', 'status', 'attempts', 'error']).executeTakeFirstOrThrow();

  it('sends it in the workflow task that asks for it when the SMTP server takes it: no activity task', async () => {
    await followUpWith({}, async (journey, smtp) => {
      expect(await emailSteps(journey)).toMatchObject({ localAttempts: [{ failure: null }], activityScheduled: 0 });
      expect(smtp.received.map((email) => email.to)).toEqual([[CSM]]);
      expect(await emailRow()).toEqual({ to_address: CSM, status: 'sent', attempts: 1, error: null });
      expect((await journey.query(journeyStateQuery)).step).toBe('waiting for the task');
    });
  });

  it('hands an email the SMTP server deferred to the activity, which sends it once', async () => {
    await followUpWith({ deferFirst: { count: 1, at: 'RCPT TO' } }, async (journey, smtp) => {
      const steps = await emailSteps(journey);
      expect(steps.localAttempts).toEqual([{ failure: expect.stringMatching(/451/) }]);
      expect(steps.activityScheduled).toBe(1);
      expect(steps.activityResults.at(-1)).toMatchObject({ status: 'sent' });
      expect(smtp.deferred).toEqual([{ to: [CSM], at: 'RCPT TO' }]);
      expect(smtp.received.map((email) => email.to)).toEqual([[CSM]]);
      expect(await emailRow()).toEqual({ to_address: CSM, status: 'sent', attempts: 2, error: null });
    });
  });

  it('lets a send slower than the first attempt finish, and the activity reports it sent: delivered once', async () => {
    await followUpWith({ acknowledgeDataAfterMs: 12_000 }, async (journey, smtp) => {
      const steps = await emailSteps(journey);
      expect(steps.localAttempts).toEqual([{ failure: expect.stringMatching(/timed out|timeout/i) }]);
      expect(steps.activityScheduled).toBe(1);
      // The first attempt's send went on and kept its claim; the activity waited for it, and never sent.
      expect(steps.activityResults.at(-1)).toMatchObject({ status: 'already_sent' });
      expect(smtp.received.map((email) => email.to)).toEqual([[CSM]]);
      expect(await emailRow()).toEqual({ to_address: CSM, status: 'sent', attempts: 1, error: null });
    });
  });
});
