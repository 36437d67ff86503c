import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Email } from '../db/tables/emails.ts';
import type { Mailer } from '../mail/create-transport.ts';
import { DeliveryInDoubtError, RecipientRejectedError } from '../mail/delivery-errors.ts';
import { SEND_TIMEOUT_MS } from '../mail/smtp-timeouts.ts';

export interface SendEmailDependencies {
  db: Kysely<Database>;
  mailer: Mailer;
}

export interface SendEmailInput {
  /** Workflow id + step: the same for every attempt of the step, never a run id. */
  idempotencyKey: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  workflowId?: string;
}

export interface SendEmailResult {
  status: 'sent' | 'already_sent';
  messageId: string | null;
}

/** The failure type a workflow sees when the address can never receive mail. */
export const INVALID_RECIPIENT = 'InvalidRecipient';

/**
 * How long a started attempt holds its claim: 15 minutes, longer than any attempt can run (the send's
 * SEND_TIMEOUT_MS of 11 minutes, then up to MARK_SENT_RETRY_MS marking it sent) and than the
 * activity's start-to-close timeout of 12 minutes (workflows/activity-options.ts). So a retry that
 * Temporal starts after a timed-out attempt waits for it rather than sending alongside it; only an
 * attempt that is gone (its worker died, or it ended in doubt) lets the email go out again.
 */
const CLAIM_LEASE_MS = SEND_TIMEOUT_MS + 4 * 60_000;

/** How long marking a delivered email sent is retried: a database restart must not become a duplicate. */
const MARK_SENT_RETRY_MS = 45_000;

// The address syntax browsers accept for type="email": no spaces, commas or angle brackets, so a
// `to` can never name a second recipient or break a header.
const recipientAddress = z.email({ pattern: z.regexes.html5Email });

/**
 * Sends one email, once per idempotency key, however often Temporal retries the activity.
 *
 * The row is claimed before sending and marked sent after; SMTP itself has no idempotency. A failed
 * send is handled by what it proves:
 * - Nothing was delivered: the server was down, did not greet or answer the envelope in time, or
 *   refused with a reply (a 4xx anywhere, the message data included; a 5xx other than to RCPT TO).
 *   The reason is recorded on the row, which frees the claim, and a retryable error is thrown:
 *   Temporal retries with backoff until the server takes the message.
 * - The address can never receive mail (invalid syntax, or a 5xx reply to RCPT TO): the row is marked
 *   failed with the reason and the step ends with a non-retryable `InvalidRecipient` failure.
 * - In doubt: the message data was handed over and no reply came. A server may take up to 10 minutes
 *   to answer the final dot (RFC 5321 §4.5.3.2.6), and the mailer waits that long, so a merely slow
 *   server is never sent the message twice; what remains is silence beyond that, or the connection
 *   lost after the data. The row is left as it looks while a send is in flight, so retries wait
 *   until the claim is older than CLAIM_LEASE_MS and then send again.
 *
 * So an email goes out twice only when the server took it and the acceptance never reached the
 * database: no reply to the data within 10 minutes or the connection lost before it, the worker dying
 * between the server's acceptance and marking the row sent, or the database refusing that write for
 * longer than MARK_SENT_RETRY_MS. There delivery is at-least-once, by choice, as RFC 5321 §3.8 asks of
 * a client that lost its connection: a duplicate review request or escalation email is better than a
 * lost one. Both copies carry the same Message-ID, which lets mail clients collapse them.
 */
export async function sendEmail({ db, mailer }: SendEmailDependencies, input: SendEmailInput): Promise<SendEmailResult> {
  const addressProblem = recipientAddress.safeParse(input.to).success
    ? null
    : `Invalid recipient address ${JSON.stringify(input.to)}: not an email address`;
  await db
    .insertInto('emails')
    .values({
      idempotency_key: input.idempotencyKey,
      to_address: input.to,
      subject: input.subject,
      body_text: input.text,
      body_html: input.html ?? null,
      workflow_id: input.workflowId ?? null,
      // Recorded without contacting SMTP: the step's reason is on the row like a server rejection.
      status: addressProblem ? 'failed' : 'claimed',
      error: addressProblem,
    })
    .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
    .execute();

  const email = await claimAttempt(db, input.idempotencyKey);
  if (!email) return outcomeOf(await findEmail(db, input.idempotencyKey));

  let messageId: string;
  try {
    // What the row holds is what goes out: the claim, not the retried input, is the record.
    ({ messageId } = await mailer.send({
      idempotencyKey: email.idempotency_key,
      to: email.to_address,
      subject: email.subject,
      text: email.body_text,
      html: email.body_html ?? undefined,
    }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof RecipientRejectedError) {
      await recordFailure(db, email.id, 'failed', reason);
      throw ApplicationFailure.nonRetryable(reason, INVALID_RECIPIENT);
    }
    if (error instanceof DeliveryInDoubtError) {
      // Nothing is written: the claim holds until its lease ends, and no retry sends before.
      throw new Error(
        `Email ${email.idempotency_key} to ${email.to_address} may have been delivered (attempt ${email.attempts}): ${reason}. ` +
          `It is sent again once its claim is ${CLAIM_LEASE_MS / 60_000} minutes old`,
        { cause: error },
      );
    }
    await recordFailure(db, email.id, 'claimed', reason);
    throw new Error(`Sending email ${email.idempotency_key} to ${email.to_address} failed on attempt ${email.attempts}; it will be retried: ${reason}`, {
      cause: error,
    });
  }

  await markSent(db, email, messageId);
  return { status: 'sent', messageId };
}

/**
 * Records the server's acceptance, retrying for MARK_SENT_RETRY_MS: until it is written, a retry
 * would take the email for one in doubt and send it again once the lease ends.
 */
async function markSent(db: Kysely<Database>, email: Email, messageId: string): Promise<void> {
  const giveUpAt = Date.now() + MARK_SENT_RETRY_MS;
  for (let pause = 250; ; pause = Math.min(pause * 2, 5_000)) {
    try {
      await db
        .updateTable('emails')
        .set({ status: 'sent', message_id: messageId, error: null, sent_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
        .where('id', '=', email.id)
        .execute();
      return;
    } catch (error) {
      if (Date.now() + pause > giveUpAt) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `Email ${email.idempotency_key} was accepted by the SMTP server but could not be marked sent for ${MARK_SENT_RETRY_MS / 1000} s: ${reason}. ` +
            `It is sent again once its claim is ${CLAIM_LEASE_MS / 60_000} minutes old`,
          { cause: error },
        );
      }
      await sleep(pause);
    }
  }
}

/**
 * Takes the row for one send attempt, atomically, so concurrent attempts cannot both send. A claimed
 * row is free when no send started yet, when the last one recorded its failure, or when the last
 * one outlived its lease. Times are the database's, so workers' clocks do not matter.
 */
function claimAttempt(db: Kysely<Database>, idempotencyKey: string): Promise<Email | undefined> {
  return db
    .updateTable('emails')
    .set({ attempts: sql<number>`attempts + 1`, error: null, updated_at: sql<Date>`now()` })
    .where('idempotency_key', '=', idempotencyKey)
    .where('status', '=', 'claimed')
    .where((eb) =>
      eb.or([
        eb('attempts', '=', 0),
        eb('error', 'is not', null),
        eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${CLAIM_LEASE_MS / 1000})`),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

function findEmail(db: Kysely<Database>, idempotencyKey: string): Promise<Email> {
  return db.selectFrom('emails').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow();
}

/** The result for a key whose row could not be claimed: settled before, or sending right now. */
function outcomeOf(email: Email): SendEmailResult {
  switch (email.status) {
    case 'sent':
      return { status: 'already_sent', messageId: email.message_id };
    case 'failed':
      throw ApplicationFailure.nonRetryable(email.error ?? 'The recipient cannot receive mail', INVALID_RECIPIENT);
    case 'claimed':
      throw new Error(
        `Email ${email.idempotency_key} is claimed by an attempt started ${email.updated_at.toISOString()}, which is sending it or ended ` +
          `in doubt; it is sent again once the claim is ${CLAIM_LEASE_MS / 60_000} minutes old`,
      );
  }
}

async function recordFailure(db: Kysely<Database>, id: number, status: 'claimed' | 'failed', reason: string): Promise<void> {
  await db.updateTable('emails').set({ status, error: reason, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
}
