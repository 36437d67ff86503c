import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import type { SendEmailInput } from '../../activities/send-email.ts';
import type { Db } from '../../db/connect.ts';
import { monthlyDigestWorkflow, npsDropAlertWorkflow } from '../../workflows/index.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { aCsm, anAccount, responses } from '../fixtures/report-instance.ts';
import { createTestActivities } from '../helpers/journey-scenarios.ts';
import { createTestSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { bundleWorkflowsOnce, createTimeSkippingEnvironment } from '../helpers/temporal.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

/**
 * The monthly digest and the NPS drop alert on the time-skipping test server, with a real
 * database and a real SMTP server: the schedule fires twice and every email's first send is
 * followed by a failed activity (as when a worker dies before reporting it), and each person
 * still gets one email.
 */
vi.setConfig({ testTimeout: 120_000 });

let env: TestWorkflowEnvironment;
let smtp: TestSmtpServer;
let workflowBundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  smtp = createTestSmtpServer();
  await smtp.start();
  [env, workflowBundle] = await Promise.all([createTimeSkippingEnvironment(), bundleWorkflowsOnce()]);
}, 600_000);
afterAll(async () => {
  await env?.teardown();
  await smtp?.stop();
});

describeEachBackend('report emails on Temporal', (database) => {
  let db: Db;
  beforeEach(() => {
    db = database();
    smtp.received.length = 0;
  });

  /** A worker whose sendEmail fails once per email, after sending it: Temporal retries it. */
  async function runWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<{ result: T; failedOnce: string[] }> {
    const taskQueue = `report-emails-${randomUUID()}`;
    const activities = createTestActivities({ env, smtp }, db, taskQueue);
    const failedOnce: string[] = [];
    const sendEmail = async (input: SendEmailInput) => {
      const sent = await activities.sendEmail(input);
      if (!failedOnce.includes(input.idempotencyKey)) {
        failedOnce.push(input.idempotencyKey);
        throw new Error('the worker died before reporting the send');
      }
      return sent;
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: { ...activities, sendEmail } });
    const result = await worker.runUntil(run(taskQueue));
    return { result, failedOnce };
  }

  const mailTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  /** The subject and the decoded text of the one email to `address`. */
  const bodyOf = async (address: string) => {
    const [email] = mailTo(address);
    const parsed = await simpleParser(email!.raw);
    return `Subject: ${parsed.subject}\n\n${parsed.text}`;
  };

  it('sends each person one digest for the month just ended, on its first working day only', async () => {
    const max = await aCsm(db.kysely, 'Max');
    const xia = await aCsm(db.kysely, 'Xia', max);
    const yan = await aCsm(db.kysely, 'Yan', max);
    const zoe = await aCsm(db.kysely, 'Zoe');
    await aCsm(db.kysely, 'Quinn');
    await anAccount(db.kysely, { owners: [{ csm: xia }], users: ['x1@x.example'], name: 'Xylo' });
    await anAccount(db.kysely, { owners: [{ csm: yan }], users: ['y1@y.example'] });
    await anAccount(db.kysely, { owners: [{ csm: zoe }], users: ['z1@z.example'] });
    const november = '2026-11-10T09:00:00Z';
    await responses(db.kysely, [
      ['x1@x.example', 10, november],
      ['x1@x.example', 10, november],
      ['x1@x.example', 0, november],
      ['y1@y.example', 9, november],
      ['z1@z.example', 6, november],
      ['x1@x.example', 9, '2026-10-10T09:00:00Z'],
    ]);
    // A CSM with no November responses but an overdue follow-up task: their digest goes out for the task.
    const detractor = await seedEnrolledDetractor(db.kysely, { csmEmail: 'tia@cs.example', accountName: 'Tasky', respondedAt: new Date('2026-11-28T10:00:00Z') });
    await seedTask(db.kysely, detractor);

    const firstWorkingDay = '2026-12-01T08:00:00Z'; // a Tuesday
    const { result, failedOnce } = await runWorker(async (taskQueue) => {
      const start = (at: string) => env.client.workflow.execute(monthlyDigestWorkflow, { taskQueue, workflowId: `monthly-digest-${randomUUID()}`, args: [{ at }] });
      // The schedule fires on the 1st, then again (a retry of the schedule, or a second worker's).
      return [await start(firstWorkingDay), await start(firstWorkingDay), await start('2026-12-02T08:00:00Z')];
    });
    expect(result[0]).toEqual({ month: '2026-11', sent: 5, empty: 1 });
    expect(result[2]).toEqual({ month: null, sent: 0, empty: 0 });
    // Every send was followed by a failed attempt, and retried.
    expect(failedOnce).toHaveLength(5);
    // Quinn had no responses and no tasks: an empty digest is not sent.
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(['max@cs.example', 'tia@cs.example', 'xia@cs.example', 'yan@cs.example', 'zoe@cs.example']);

    const maxDigest = await bodyOf('max@cs.example');
    expect(maxDigest).toContain('Subject: NPS digest, November 2026: your team');
    expect(maxDigest).toContain("Your team's NPS for November 2026, by CSM (UTC):");
    expect(maxDigest).toMatch(/Max\s+no responses\s+0/);
    expect(maxDigest).toMatch(/Xia\s+33\.3\*\s+3\s+±[\d.]+\s+-66\.7/);
    expect(maxDigest).toMatch(/Yan\s+100\*\s+1/);
    // The team pools its responses: 3 promoters and a detractor of 4 is 50.
    expect(maxDigest).toMatch(/Team\s+50\*\s+4/);
    expect(maxDigest).not.toContain('Zoe');
    // The HTML part says the same, its table in a fixed-width font so the columns stay aligned.
    const maxHtml = (await simpleParser(mailTo('max@cs.example')[0]!.raw)).html || '';
    expect(maxHtml).toContain('Your team&#39;s NPS for November 2026, by CSM (UTC):');
    expect(maxHtml).toMatch(/<pre [^>]*>\s+NPS\s+n\s+margin/);
    const zoeDigest = await bodyOf('zoe@cs.example');
    expect(zoeDigest).toContain('Your NPS for November 2026 (UTC):');
    expect(zoeDigest).toMatch(/Zoe\s+-100\*\s+1/);
    expect(zoeDigest).toContain('Open detractor follow-up tasks: 0.');
    const tiaDigest = await bodyOf('tia@cs.example');
    expect(tiaDigest).toContain('Open detractor follow-up tasks: 1, 1 overdue.');
    expect(tiaDigest).toMatch(/task \d+: Tasky, score 3, due Mon 30 Nov, 10:00 \(overdue\)/);
  });

  it("tells a CSM and their manager once a month when this month's NPS drops significantly", async () => {
    const lee = await aCsm(db.kysely, 'Lee');
    const ana = await aCsm(db.kysely, 'Ana', lee);
    const ben = await aCsm(db.kysely, 'Ben', lee);
    await anAccount(db.kysely, { owners: [{ csm: ana }], users: ['a@a.example'] });
    await anAccount(db.kysely, { owners: [{ csm: ben }], users: ['b@b.example'] });
    const scores = (email: string, day: string, list: number[]) => list.map((score): [string, number, string] => [email, score, `${day}T09:00:00Z`]);
    await responses(db.kysely, [
      // August to October, pooled: 20 promoters, 8 passives, 2 detractors = 60.
      ...scores('a@a.example', '2026-08-10', [...Array(7).fill(10), ...Array(3).fill(8)]),
      ...scores('a@a.example', '2026-09-10', [...Array(7).fill(10), ...Array(2).fill(8), 0]),
      ...scores('a@a.example', '2026-10-10', [...Array(6).fill(10), ...Array(3).fill(8), 0]),
      // November so far: 2 promoters, 2 passives, 6 detractors = −40.
      ...scores('a@a.example', '2026-11-05', [10, 10, 8, 8, 0, 0, 0, 0, 0, 0]),
      // Ben: too few responses to tell anything.
      ...scores('b@b.example', '2026-10-10', [10, 10]),
      ...scores('b@b.example', '2026-11-05', [0]),
    ]);
    const { result } = await runWorker(async (taskQueue) => {
      const start = (at: string) => env.client.workflow.execute(npsDropAlertWorkflow, { taskQueue, workflowId: `nps-drop-alert-${randomUUID()}`, args: [{ at }] });
      // Found on the 20th, and again the next day: told once.
      return [await start('2026-11-20T09:00:00Z'), await start('2026-11-21T09:00:00Z')];
    });
    expect(result).toEqual([{ alerts: 2 }, { alerts: 2 }]);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(['ana@cs.example', 'lee@cs.example']);
    const anaAlert = await bodyOf('ana@cs.example');
    expect(anaAlert).toContain('Subject: NPS drop: Ana, November 2026');
    expect(anaAlert).toContain('Your NPS in November 2026 so far is -40 (10 responses), down 100 points from 60 (30 responses) over August 2026 to October 2026.');
    expect(anaAlert).toMatch(/significant at 95% \(p = (< 0\.001|0\.\d{3})\)/);
    // Lee's team pools Ana's and Ben's responses.
    const leeAlert = await bodyOf('lee@cs.example');
    expect(leeAlert).toContain("Subject: NPS drop: Lee's team, November 2026");
    expect(leeAlert).toContain("Your team's NPS in November 2026 so far is -45.5 (11 responses)");
  });
});
