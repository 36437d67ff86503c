import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { INVALID_RECIPIENT, sendEmail, type SendEmailInput } from '../../activities/send-email.ts';
import { createMailTransport, type Mailer } from '../../mail/create-transport.ts';
import { prepareSignInLink } from '../../sign-in/sign-in-links.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { createTestSmtpServer, REJECTING_DOMAIN } from '../helpers/smtp-server.ts';

const from = 'npsloop <npsloop@cs.example>';

const reviewRequest: SendEmailInput = {
  idempotencyKey: 'journey/promoter-review/response-42/request',
  to: 'ana@acme.example',
  subject: 'Would you review us?',
  text: 'Thanks for the 10, Ana. Would you leave a review?',
  workflowId: 'journey/promoter-review/response-42',
};

/** What the activity threw, for assertions on its kind. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describeEachBackend('sendEmail over SMTP', (db) => {
  const smtp = createTestSmtpServer();
  let mailer: Mailer;

  beforeAll(async () => {
    await smtp.start();
    mailer = createMailTransport({ smtpUrl: smtp.url(), from, outboxDir: '/nonexistent/outbox' });
  });
  afterAll(async () => {
    mailer.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.received.length = 0;
  });

  const emailRow = (idempotencyKey: string) =>
    db().kysely.selectFrom('emails').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow();

  it('delivers an email once, with its recipient, subject and body', async () => {
    const result = await sendEmail({ db: db().kysely, mailer }, reviewRequest);

    expect(result.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    const [received] = smtp.received;
    expect(received?.from).toBe('npsloop@cs.example');
    expect(received?.to).toEqual(['ana@acme.example']);
    expect(received?.raw).toContain('Subject: Would you review us?');
    expect(received?.raw).toContain('Thanks for the 10, Ana. Would you leave a review?');
    expect(received?.raw).toContain(`Message-ID: ${result.messageId}`);
    expect(received?.raw).toContain('Content-Type: text/plain');
    expect(await emailRow(reviewRequest.idempotencyKey)).toMatchObject({
      status: 'sent',
      attempts: 1,
      message_id: result.messageId,
      error: null,
      workflow_id: 'journey/promoter-review/response-42',
      sent_at: expect.any(Date),
    });
  });

  it('sends once when the same idempotency key comes again', async () => {
    const first = await sendEmail({ db: db().kysely, mailer }, reviewRequest);
    const second = await sendEmail({ db: db().kysely, mailer }, reviewRequest);

    expect(second).toEqual({ status: 'already_sent', messageId: first.messageId });
    expect(smtp.received).toHaveLength(1);
  });

  it('retries while SMTP is down and sends exactly once when it is back', async () => {
    await smtp.stop();
    let whileDown: Error;
    try {
      whileDown = await failureOf(sendEmail({ db: db().kysely, mailer }, reviewRequest));
    } finally {
      await smtp.start();
    }

    expect(whileDown).not.toBeInstanceOf(ApplicationFailure);
    expect(whileDown.message).toMatch(/will be retried: .*ECONNREFUSED/);
    expect(await emailRow(reviewRequest.idempotencyKey)).toMatchObject({ status: 'claimed', attempts: 1, error: expect.stringMatching(/ECONNREFUSED/) });

    expect(await sendEmail({ db: db().kysely, mailer }, reviewRequest)).toMatchObject({ status: 'sent' });
    expect(await sendEmail({ db: db().kysely, mailer }, reviewRequest)).toMatchObject({ status: 'already_sent' });
    expect(smtp.received).toHaveLength(1);
    expect(await emailRow(reviewRequest.idempotencyKey)).toMatchObject({ status: 'sent', attempts: 2, error: null });
  });

  it('stores the sign-in link an email carries with its row, once: a retry sends the stored message and leaves no other link', async () => {
    const k = db().kysely;
    const carrying = (attempt: number): SendEmailInput => {
      const link = prepareSignInLink({ email: 'Csm@CS.example', nextPath: '/app/tasks/7', purpose: 'task_email', publicBaseUrl: 'http://npsloop.test' });
      return { ...reviewRequest, idempotencyKey: 'task-7/created', text: `attempt ${attempt}: ${link.url}`, signInLink: link.row };
    };
    const first = carrying(1);
    await smtp.stop();
    try {
      await failureOf(sendEmail({ db: k, mailer }, first));
    } finally {
      await smtp.start();
    }
    expect(await sendEmail({ db: k, mailer }, carrying(2))).toMatchObject({ status: 'sent' });

    const links = await k.selectFrom('sign_in_links').selectAll().execute();
    expect(links).toEqual([expect.objectContaining({ email: 'csm@cs.example', next_path: '/app/tasks/7', purpose: 'task_email', token_hash: first.signInLink!.token_hash, used_at: null })]);
    // What went out is the first attempt's message, whose link is the one stored.
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.raw).toContain('attempt 1:');
  });

  it('ends the step without retry when the server rejects the recipient with 550', async () => {
    const bounce = { ...reviewRequest, to: `bounce@${REJECTING_DOMAIN}` };

    for (const attempt of [1, 2]) {
      const failure = await failureOf(sendEmail({ db: db().kysely, mailer }, bounce));
      expect(failure, `attempt ${attempt}`).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: INVALID_RECIPIENT, nonRetryable: true });
      expect(failure.message).toMatch(/bounce@invalid\.example.*550/);
    }
    expect(smtp.received).toEqual([]);
    expect(await emailRow(bounce.idempotencyKey)).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/550 .*mailbox unavailable/) });
  });

  it('rejects an invalid address without contacting SMTP', async () => {
    // With the port closed, any attempt to connect would end in a retryable connection error.
    await smtp.stop();
    let failure: Error;
    try {
      failure = await failureOf(sendEmail({ db: db().kysely, mailer }, { ...reviewRequest, to: 'ana at acme, bo@acme.example' }));
    } finally {
      await smtp.start();
    }

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: INVALID_RECIPIENT, nonRetryable: true });
    expect(failure.message).toContain('Invalid recipient address "ana at acme, bo@acme.example"');
    expect(await emailRow(reviewRequest.idempotencyKey)).toMatchObject({ status: 'failed', attempts: 0 });
    expect(smtp.received).toEqual([]);
  });

  it('leaves a send in flight alone, and sends again once its claim has expired', async () => {
    await db()
      .kysely.insertInto('emails')
      .values({
        idempotency_key: reviewRequest.idempotencyKey,
        to_address: reviewRequest.to,
        subject: reviewRequest.subject,
        body_text: reviewRequest.text,
        status: 'claimed',
        attempts: 1,
      })
      .execute();

    const inFlight = await failureOf(sendEmail({ db: db().kysely, mailer }, reviewRequest));
    expect(inFlight).not.toBeInstanceOf(ApplicationFailure);
    expect(inFlight.message).toMatch(/claimed by an attempt started .*, which is sending it or ended in doubt/);
    expect(smtp.received).toEqual([]);

    // The attempt that claimed it died without a word: whether the server got the message is
    // unknown, and the email goes out again (at-least-once in that window).
    await db()
      .kysely.updateTable('emails')
      .set({ updated_at: sql<Date>`now() - interval '1 hour'` })
      .where('idempotency_key', '=', reviewRequest.idempotencyKey)
      .execute();
    expect(await sendEmail({ db: db().kysely, mailer }, reviewRequest)).toMatchObject({ status: 'sent' });
    expect(smtp.received).toHaveLength(1);
    expect(await emailRow(reviewRequest.idempotencyKey)).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describeEachBackend('sendEmail to the outbox folder', (db) => {
  let outboxDir: string;
  let mailer: Mailer;

  beforeEach(async () => {
    outboxDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'npsloop-outbox-')), 'outbox');
    mailer = createMailTransport({ from, outboxDir });
  });
  afterEach(async () => {
    mailer.close();
    await fs.rm(path.dirname(outboxDir), { recursive: true, force: true });
  });

  it('writes exactly one .eml file per message, and none for a repeated key', async () => {
    const withHtml = { ...reviewRequest, html: '<p>Thanks for the 10, Ana.</p>' };
    const first = await sendEmail({ db: db().kysely, mailer }, withHtml);
    const second = await sendEmail({ db: db().kysely, mailer }, withHtml);

    expect(second).toEqual({ status: 'already_sent', messageId: first.messageId });
    const files = await fs.readdir(outboxDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^journey_promoter-review_response-42_request-[0-9a-f]{12}\.eml$/);
    const eml = await fs.readFile(path.join(outboxDir, files[0] ?? ''), 'utf8');
    expect(eml).toContain('From: npsloop <npsloop@cs.example>');
    expect(eml).toContain('To: ana@acme.example');
    expect(eml).toContain('Subject: Would you review us?');
    expect(eml).toContain(`Message-ID: ${first.messageId}`);
    expect(eml).toContain('Content-Type: multipart/alternative');
    expect(eml).toContain('Thanks for the 10, Ana. Would you leave a review?');
    expect(eml).toContain('<p>Thanks for the 10, Ana.</p>');
  });
});
