import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { type Kysely, sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { sendEmail, type SendEmailInput, type SendEmailResult } from '../../activities/send-email.ts';
import type { Database } from '../../db/database.ts';
import { createMailTransport, type Mailer } from '../../mail/create-transport.ts';
import type { SmtpTimeouts } from '../../mail/smtp-timeouts.ts';
import { createTestSmtpServer, type TestSmtpServer, type TestSmtpServerOptions } from '../helpers/smtp-server.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const from = 'npsloop <npsloop@cs.example>';

/** Ten emails to ten recipients, each its own journey step. */
const emails: SendEmailInput[] = Array.from({ length: 10 }, (_, i) => ({
  idempotencyKey: `journey/detractor-follow-up/response-${i}/task-email`,
  to: `csm-${i}@cs.example`,
  subject: `A detractor needs you (${i})`,
  text: `Response ${i} was a 3.`,
}));

/** What Temporal does with the activity: retries a retryable failure after a pause, stops at a non-retryable one. */
async function sendRetrying(db: Kysely<Database>, mailer: Mailer, input: SendEmailInput, pauseMs = 100): Promise<SendEmailResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendEmail({ db, mailer }, input);
    } catch (error) {
      if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
      if (attempt === 50) throw error;
      await sleep(pauseMs);
    }
  }
}

/** How often each Message-ID arrived: the server's view of duplicates. */
function arrivalsByMessageId(smtp: TestSmtpServer): Map<string | undefined, number> {
  const counts = new Map<string | undefined, number>();
  for (const email of smtp.received) counts.set(email.messageId, (counts.get(email.messageId) ?? 0) + 1);
  return counts;
}

describeEachBackend('sendEmail against a slow or flaky SMTP server', (db) => {
  const servers: TestSmtpServer[] = [];
  const mailers: Mailer[] = [];
  afterEach(async () => {
    for (const mailer of mailers.splice(0)) mailer.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  async function startServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
    const smtp = createTestSmtpServer(options);
    servers.push(smtp);
    await smtp.start();
    return smtp;
  }
  function mailerFor(smtpUrl: string, timeouts?: SmtpTimeouts): Mailer {
    const mailer = createMailTransport({ smtpUrl, from, outboxDir: '/nonexistent/outbox' }, timeouts);
    mailers.push(mailer);
    return mailer;
  }
  const rows = () => db().kysely.selectFrom('emails').selectAll().orderBy('idempotency_key').execute();

  /** Every email arrived exactly once, under the Message-ID its row records, and its row says sent. */
  async function expectEachDeliveredOnce(smtp: TestSmtpServer, results: SendEmailResult[]) {
    const arrivals = arrivalsByMessageId(smtp);
    expect(smtp.received).toHaveLength(emails.length);
    expect(arrivals.size).toBe(emails.length);
    expect([...arrivals.values()].every((count) => count === 1)).toBe(true);
    expect(results.every((result) => result.status === 'sent')).toBe(true);
    expect(new Set(results.map((result) => result.messageId))).toEqual(new Set(arrivals.keys()));
    const stored = await rows();
    expect(stored).toHaveLength(emails.length);
    for (const row of stored) {
      expect(row).toMatchObject({ status: 'sent', error: null, sent_at: expect.any(Date) });
      expect(arrivals.get(row.message_id ?? undefined), row.idempotency_key).toBe(1);
    }
    for (const email of emails) {
      expect(smtp.received.filter((received) => received.to.includes(email.to)), email.to).toHaveLength(1);
    }
    return stored;
  }

  it('waits for a server that takes 15 s to acknowledge the message: ten emails, each received once', async () => {
    const smtp = await startServer({ acknowledgeDataAfterMs: 15_000 });
    const mailer = mailerFor(smtp.url());

    const results = await Promise.all(emails.map((email) => sendRetrying(db().kysely, mailer, email)));

    const stored = await expectEachDeliveredOnce(smtp, results);
    // No attempt gave up on the server: there was nothing to retry.
    expect(stored.every((row) => row.attempts === 1)).toBe(true);
  }, 60_000);

  for (const at of ['RCPT TO', 'DATA'] as const) {
    it(`retries a server that answers 451 to ${at} for each email's first two attempts: each received once`, async () => {
      const smtp = await startServer({ deferFirst: { count: 2, at } });
      const mailer = mailerFor(smtp.url());

      const results = await Promise.all(emails.map((email) => sendRetrying(db().kysely, mailer, email)));

      const stored = await expectEachDeliveredOnce(smtp, results);
      expect(smtp.deferred).toHaveLength(2 * emails.length);
      expect(smtp.deferred.every((deferred) => deferred.at === at)).toBe(true);
      expect(stored.every((row) => row.attempts === 3)).toBe(true);
    });
  }

  it('holds emails while the server is stopped and delivers each once when it is back on the same port', async () => {
    const smtp = await startServer();
    const mailer = mailerFor(smtp.url());
    await smtp.stop();

    const sending = Promise.all(emails.map((email) => sendRetrying(db().kysely, mailer, email)));
    let results: SendEmailResult[];
    try {
      await sleep(1_500);
      const whileDown = await rows();
      expect(whileDown).toHaveLength(emails.length);
      for (const row of whileDown) {
        expect(row).toMatchObject({ status: 'claimed', sent_at: null });
        expect(row.attempts).toBeGreaterThanOrEqual(2);
      }
      expect(smtp.received).toEqual([]);
    } finally {
      // Also when an expectation failed: the sends in the background must end with the test.
      await smtp.start();
      results = await sending;
    }

    await expectEachDeliveredOnce(smtp, results);
  });

  it('retries at once after a server that never answers before the data: nothing was handed over', async () => {
    // Accepts the connection and never greets: a hung relay.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const [email] = emails as [SendEmailInput];
    try {
      const mailer = mailerFor(`smtp://127.0.0.1:${port}`, { beforeDataMs: 500, dataReplyMs: 60_000 });
      await expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(/will be retried: no go-ahead for the message data within 0.5 s/);
      // The failure is recorded, which frees the claim: the next attempt sends straight away.
      expect(await rows()).toMatchObject([{ status: 'claimed', attempts: 1, error: expect.stringMatching(/no go-ahead/) }]);
      await expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(/failed on attempt 2/);
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('keeps an email whose acknowledgement never came claimed, and sends it again only once the claim has expired', async () => {
    const smtp = await startServer({ acknowledgeDataAfterMs: 3_000 });
    const mailer = mailerFor(smtp.url(), { beforeDataMs: 5_000, dataReplyMs: 1_000 });
    const [email] = emails as [SendEmailInput];

    await expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(
      /may have been delivered \(attempt 1\): .*no reply to the message data within 1 s.*sent again once its claim has lapsed, 60 s after this attempt/,
    );
    expect(smtp.received).toHaveLength(1);
    // Nothing written: the row looks as it did while the send was in flight.
    const [inDoubt] = await rows();
    expect(inDoubt).toMatchObject({ status: 'claimed', attempts: 1, error: null, message_id: null });

    await expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(/claimed by an attempt started/);
    expect(smtp.received).toHaveLength(1);

    // Only a lease that ran out lets it go out again: at-least-once in this window, by choice, under
    // the same Message-ID. This time the mailer waits the server out.
    await db().kysely.updateTable('emails').set({ updated_at: sql<Date>`now() - interval '2 minutes'` }).execute();
    expect(await sendEmail({ db: db().kysely, mailer: mailerFor(smtp.url()) }, email)).toMatchObject({ status: 'sent' });
    expect(smtp.received).toHaveLength(2);
    expect(arrivalsByMessageId(smtp).size).toBe(1);
    expect(await rows()).toMatchObject([{ status: 'sent', attempts: 2, error: null }]);
  });

  it("renews a live attempt's claim while a slow server takes its time, and frees a dead attempt's within the lease", async () => {
    const smtp = await startServer({ acknowledgeDataAfterMs: 4_000 });
    const mailer = mailerFor(smtp.url());
    const [slow, orphaned] = emails as [SendEmailInput, SendEmailInput];
    const claimLeaseMs = 1_500;

    // A second attempt during the slow send finds the claim renewed, though the send outlasts the lease.
    const sending = sendEmail({ db: db().kysely, mailer, claimLeaseMs }, slow);
    while (smtp.received.length === 0) await sleep(20);
    await sleep(2 * claimLeaseMs);
    await expect(sendEmail({ db: db().kysely, mailer, claimLeaseMs }, slow)).rejects.toThrow(/claimed by an attempt started .*stopped renewing its claim for 1.5 s/);
    expect(await sending).toMatchObject({ status: 'sent' });

    // An attempt that died after claiming (its worker killed) renews nothing: its claim lapses.
    const prompt = mailerFor((await startServer()).url());
    await sendEmail({ db: db().kysely, mailer: prompt, claimLeaseMs }, orphaned);
    await db()
      .kysely.updateTable('emails')
      .set({ status: 'claimed', sent_at: null, message_id: null, updated_at: sql<Date>`now()` })
      .where('idempotency_key', '=', orphaned.idempotencyKey)
      .execute();
    await expect(sendEmail({ db: db().kysely, mailer: prompt, claimLeaseMs }, orphaned)).rejects.toThrow(/claimed by an attempt started/);
    await sleep(claimLeaseMs + 200);
    expect(await sendEmail({ db: db().kysely, mailer: prompt, claimLeaseMs }, orphaned)).toMatchObject({ status: 'sent' });
    expect(smtp.received).toHaveLength(1);
  });

  it('keeps an email claimed when the connection is lost after the data, before the acknowledgement', async () => {
    const smtp = await startServer({ acknowledgeDataAfterMs: 30_000 });
    const mailer = mailerFor(smtp.url());
    const [email] = emails as [SendEmailInput];

    const failure = expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(
      /may have been delivered \(attempt 1\): .*Connection closed unexpectedly/,
    );
    while (smtp.received.length === 0) await sleep(20);
    await smtp.crash();
    await failure;

    expect(await rows()).toMatchObject([{ status: 'claimed', attempts: 1, error: null }]);
    await smtp.start();
    await expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(/claimed by an attempt started/);
    expect(smtp.received).toHaveLength(1);
  });

  it('retries at once when the server refuses the message data with 421 as it shuts down', async () => {
    const smtp = await startServer({ acknowledgeDataAfterMs: 30_000 });
    const mailer = mailerFor(smtp.url());
    const [email] = emails as [SendEmailInput];

    const failure = expect(sendEmail({ db: db().kysely, mailer }, email)).rejects.toThrow(/will be retried: .*421 Server shutting down/);
    while (smtp.received.length === 0) await sleep(20);
    await smtp.stop();
    await failure;

    // A reply, even a refusal, settles it: the failure is recorded and the claim freed.
    expect(await rows()).toMatchObject([{ status: 'claimed', attempts: 1, error: expect.stringMatching(/421/) }]);
    const prompt = await startServer();
    expect(await sendEmail({ db: db().kysely, mailer: mailerFor(prompt.url()) }, email)).toMatchObject({ status: 'sent' });
    expect(smtp.received).toEqual([]);
    expect(prompt.received).toHaveLength(1);
    expect(await rows()).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('marks a delivered email sent through a database that refuses the first two writes, without sending it again', async () => {
    const smtp = await startServer();
    const mailer = mailerFor(smtp.url());
    const [email] = emails as [SendEmailInput];
    // A sequence is not rolled back with the refused write, so it counts the refusals.
    await sql`create sequence mark_sent_refusals`.execute(db().kysely);
    await sql`
      create function refuse_marking_sent() returns trigger language plpgsql as $$
      begin
        if new.status = 'sent' and nextval('mark_sent_refusals') <= 2 then
          raise exception 'the database is restarting';
        end if;
        return new;
      end $$`.execute(db().kysely);
    await sql`create trigger refuse_marking_sent before update on emails for each row execute function refuse_marking_sent()`.execute(db().kysely);
    try {
      expect(await sendEmail({ db: db().kysely, mailer }, email)).toMatchObject({ status: 'sent' });
    } finally {
      await sql`drop trigger refuse_marking_sent on emails`.execute(db().kysely);
      await sql`drop function refuse_marking_sent`.execute(db().kysely);
      await sql`drop sequence mark_sent_refusals`.execute(db().kysely);
    }
    expect(smtp.received).toHaveLength(1);
    expect(await rows()).toMatchObject([{ status: 'sent', attempts: 1, error: null }]);
  });
});
