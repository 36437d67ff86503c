import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { sendJourneyEmail } from '../../activities/send-journey-email.ts';
import type { Database } from '../../db/database.ts';
import { refreshStandardSnapshots } from '../../db/queries/account-nps.ts';
import { hashSecretToken } from '../../db/queries/secret-tokens.ts';
import { DETRACTOR_FOLLOW_UP, PROMOTER_REVIEW_REQUEST } from '../../journeys/built-in-journeys.ts';
import { unsubscribeUrl } from '../../journeys/unsubscribe-links.ts';
import { createMailTransport, type Mailer } from '../../mail/create-transport.ts';
import type { JourneyEmailSettings } from '../../notifications/journey-email.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { createTestSmtpServer } from '../helpers/smtp-server.ts';
import { bearer, createRoleTokens, createTestApi, TEST_LINK_SECRET } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import type { Kysely } from 'kysely';

const smtp = createTestSmtpServer();
let outboxDir: string;
let mailer: Mailer;

beforeAll(async () => {
  await smtp.start();
  outboxDir = await fs.mkdtemp(path.join(os.tmpdir(), 'npsloop-journey-emails-'));
  mailer = createMailTransport({ smtpUrl: smtp.url(), from: 'npsloop <npsloop@test.example>', outboxDir });
});

afterAll(async () => {
  mailer.close();
  await smtp.stop();
  await fs.rm(outboxDir, { recursive: true, force: true });
});

beforeEach(() => {
  smtp.received.length = 0;
});

const links = { publicBaseUrl: 'https://nps.acme.example', secret: TEST_LINK_SECRET };
const settings: JourneyEmailSettings = {
  publicBaseUrl: links.publicBaseUrl,
  timeZone: 'America/New_York',
  counting: 'every_response',
  customer: { links, from: 'Acme Customer Success <success@acme.example>' },
};

async function received(to: string): Promise<ParsedMail> {
  const email = smtp.received.find((message) => message.to.includes(to));
  if (!email) throw new Error(`no email to ${to} arrived (got ${smtp.received.map((m) => m.to.join(',')).join('; ') || 'none'})`);
  return simpleParser(email.raw);
}

/** A header as it arrived (continuation lines unfolded), or undefined. */
function rawHeader(to: string, name: string): string | undefined {
  const raw = smtp.received.find((message) => message.to.includes(to))?.raw ?? '';
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

describeEachBackend('journey emails as a real SMTP server receives them', (db) => {
  let app: Awaited<ReturnType<typeof createTestApi>> | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function seedDetractorTask(k: Kysely<Database>) {
    const enrolled = await seedEnrolledDetractor(k, {
      csmEmail: 'ann@cs.example',
      userEmail: 'bo@acme.example',
      accountName: 'Acme <Corp>',
      score: 3,
      comment: 'Exports keep failing & <nobody> calls back',
      respondedAt: new Date('2026-12-04T09:00:00Z'),
    });
    await k.updateTable('csms').set({ name: 'Ann Smith', time_zone: 'Europe/Paris' }).where('id', '=', enrolled.csm.id).execute();
    await k.updateTable('users').set({ name: 'Bo Brown' }).where('id', '=', enrolled.user.id).execute();
    await refreshStandardSnapshots(k, 'all', { now: new Date('2026-12-05T10:00:00Z'), timeZone: 'UTC', counting: 'every_response' });
    const task = await seedTask(k, enrolled, { dueAt: new Date('2026-12-07T12:22:26Z') });
    return { enrolled, task };
  }

  const followUpValues = (dueAt: string) => ({
    assigneeName: 'Ann Smith',
    csmName: 'Ann Smith',
    userName: 'Bo Brown',
    userEmail: 'bo@acme.example',
    accountName: 'Acme <Corp>',
    score: 3,
    comment: 'Exports keep failing & <nobody> calls back',
    dueAt,
    escalationLevel: 0,
  });

  it("sends a CSM's task email in two parts, with the task, the detractor's answers, the account's NPS and a link, times in the CSM's zone", async () => {
    const k = db().kysely;
    const { task } = await seedDetractorTask(k);

    const result = await sendJourneyEmail(
      { db: k, mailer, settings },
      {
        idempotencyKey: `wf-1/1/task-0-email-${task.id}`,
        to: 'ann@cs.example',
        template: DETRACTOR_FOLLOW_UP.steps.type === 'detractor_follow_up' ? DETRACTOR_FOLLOW_UP.steps.csmEmailTemplate : expect.fail('not a follow-up'),
        values: followUpValues('2026-12-07T12:22:26.000Z'),
        workflowId: 'wf-1',
        about: { kind: 'task', taskId: task.id, reason: 'created' },
      },
    );

    expect(result.status).toBe('sent');
    const mail = await received('ann@cs.example');
    expect(mail.from?.value).toEqual([{ name: 'npsloop', address: 'npsloop@test.example' }]);
    expect(mail.subject).toBe('Detractor at Acme <Corp>: Bo Brown scored 3');
    expect(rawHeader('ann@cs.example', 'Content-Type')).toContain('multipart/alternative');
    const text = mail.text ?? '';
    // Ann reads times in Paris: 12:22 UTC is 13:22 there.
    expect(text).toContain('by Monday 7 December, 13:22 CET');
    expect(text).not.toContain('2026-12-07T12:22');
    expect(text).toMatch(new RegExp(`Task: +#${task.id}, detractor-follow-up`));
    expect(text).toMatch(/Customer: +Bo Brown <bo@acme\.example>/);
    expect(text).toMatch(/Account: +Acme <Corp>, NPS -100 ±\d+(\.\d)? over the last 90 days \(1 answer\)/);
    expect(text).toMatch(/Score: +3/);
    expect(text).toMatch(/Comment: +Exports keep failing & <nobody> calls back/);
    expect(text).toContain('Their recent answers:\n- Friday 4 December, 10:00 CET: 3, "Exports keep failing & <nobody> calls back"');
    // The link signs Ann in to the task's page: a one-time link made for her, valid for 7 days.
    const taskLink = /Open the task: (https:\/\/nps\.acme\.example\/auth\/verify\?token=([\w-]+))\n/.exec(text);
    expect(taskLink, text).not.toBeNull();
    const link = await k.selectFrom('sign_in_links').selectAll().where('token_hash', '=', hashSecretToken(taskLink![2]!)).executeTakeFirstOrThrow();
    expect(link).toMatchObject({ email: 'ann@cs.example', next_path: `/app/tasks/${task.id}`, purpose: 'task_email', used_at: null });
    expect(link.expires_at.getTime() - link.created_at.getTime()).toBe(7 * 24 * 3_600_000);
    expect(text).toMatch(/The link signs you in and opens the task; it works once, until \w+ \d+ \w+, \d\d:\d\d CET \(7 days\)\./);
    expect(text).toContain(`npsloop tasks complete ${task.id} --outcome`);
    const html = mail.html || '';
    expect(html).toContain('Exports keep failing &amp; &lt;nobody&gt; calls back');
    expect(html).not.toContain('<nobody>');
    expect(html).toContain(`<a href="${taskLink![1]}"`);
    expect(html).toContain('Monday 7 December, 13:22 CET');
    // Internal email: nothing to unsubscribe from.
    expect(rawHeader('ann@cs.example', 'List-Unsubscribe')).toBeUndefined();
  });

  it('says who let an escalated task pass and for how long, and who reassigned a task and why', async () => {
    const k = db().kysely;
    const { task } = await seedDetractorTask(k);
    const template = DETRACTOR_FOLLOW_UP.steps.type === 'detractor_follow_up' ? DETRACTOR_FOLLOW_UP.steps.escalationEmailTemplate : expect.fail('not a follow-up');
    const base = { template, values: followUpValues('2026-12-07T12:22:26.000Z'), workflowId: 'wf-2' };

    await sendJourneyEmail({ db: k, mailer, settings }, { ...base, idempotencyKey: 'wf-2/escalated', to: 'lead@cs.example', about: { kind: 'task', taskId: task.id, reason: 'escalated', notActedBy: 'Ann Smith', waitedHours: 48 } });
    await sendJourneyEmail(
      { db: k, mailer, settings },
      { ...base, idempotencyKey: 'wf-2/reassigned', to: 'rae@cs.example', about: { kind: 'task', taskId: task.id, reason: 'reassigned', reassignedBy: 'Max Manager', why: 'Rae owns exports' } },
    );

    const escalated = await received('lead@cs.example');
    expect(escalated.text).toContain('Escalated to you: Ann Smith did not act on it within 48 hours.');
    expect(escalated.html).toContain('Escalated to you: Ann Smith did not act on it within 48 hours.');
    const reassigned = await received('rae@cs.example');
    expect(reassigned.text).toContain('Reassigned to you by Max Manager: Rae owns exports.');
    // Each link signs in the person it was sent to.
    const links = await k.selectFrom('sign_in_links').select(['email', 'next_path']).orderBy('id').execute();
    expect(links).toEqual([
      { email: 'lead@cs.example', next_path: `/app/tasks/${task.id}` },
      { email: 'rae@cs.example', next_path: `/app/tasks/${task.id}` },
    ]);
  });

  it('sends a customer email from the customer sender, replying to their CSM, with List-Unsubscribe; once unsubscribed, sends no more and shows it', async () => {
    const k = db().kysely;
    const { csm, users } = await seedAccount(k, { csmEmail: 'ann@cs.example', users: ['cy@acme.example'] });
    await k.updateTable('csms').set({ name: 'Ann Smith' }).where('id', '=', csm.id).execute();
    const cy = users[0]!;
    const template = PROMOTER_REVIEW_REQUEST.steps.type === 'review_request' ? PROMOTER_REVIEW_REQUEST.steps.emailTemplate : expect.fail('not a review request');
    const request = {
      to: 'cy@acme.example',
      template,
      values: { firstName: 'Cy', accountName: 'Acme', reviewUrl: 'https://nps.acme.example/r/7.abc' },
      workflowId: 'wf-3',
      about: { kind: 'customer' as const, userId: cy.id },
    };

    expect((await sendJourneyEmail({ db: k, mailer, settings }, { ...request, idempotencyKey: 'wf-3/review-request' })).status).toBe('sent');

    const mail = await received('cy@acme.example');
    expect(mail.from?.value).toEqual([{ name: 'Acme Customer Success', address: 'success@acme.example' }]);
    expect(mail.replyTo?.value).toEqual([{ name: 'Ann Smith', address: 'ann@cs.example' }]);
    const link = unsubscribeUrl(links, 'cy@acme.example');
    expect(rawHeader('cy@acme.example', 'List-Unsubscribe')).toBe(`<${link}>`);
    expect(rawHeader('cy@acme.example', 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toContain('Hi Cy,');
    expect(mail.text).toContain('https://nps.acme.example/r/7.abc');
    expect(mail.text).toContain(`Unsubscribe: ${link}`);
    expect(mail.html).toContain('>Share your experience</a>');
    expect(mail.html).toContain(`<a href="${link}">`);

    // The mail client's one-click unsubscribe (RFC 8058), through the API as a client sends it.
    app = await createTestApi(k, {});
    const token = new URL(link).pathname.slice('/u/'.length);
    const page = await app.inject({ method: 'GET', url: `/u/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<form method="post">');
    const oneClick = await app.inject({ method: 'POST', url: `/u/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.statusCode).toBe(200);
    expect(oneClick.body).toContain('cy@acme.example gets no more of these emails');
    expect((await app.inject({ method: 'POST', url: `/u/${token}x` })).statusCode).toBe(404);

    smtp.received.length = 0;
    const reminder = await sendJourneyEmail({ db: k, mailer, settings }, { ...request, idempotencyKey: 'wf-3/review-reminder' });
    expect(reminder).toMatchObject({ status: 'not_sent', reason: expect.stringMatching(/^cy@acme\.example unsubscribed on .* \(one-click\)$/) });
    expect(smtp.received).toEqual([]);
    expect(await k.selectFrom('emails').select(['status', 'error']).where('idempotency_key', '=', 'wf-3/review-reminder').executeTakeFirst()).toEqual({
      status: 'failed',
      error: expect.stringMatching(/^not sent: cy@acme\.example unsubscribed on /),
    });

    const tokens = await createRoleTokens(k, csm.id);
    const timeline = await app.inject({ method: 'GET', url: `/users/${cy.id}/timeline`, headers: bearer(tokens.admin) });
    expect(timeline.json().unsubscribed).toEqual({ at: expect.any(String), method: 'one_click' });
  });
});
