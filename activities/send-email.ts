import { ApplicationFailure } from '@temporalio/common';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Email } from '../db/tables/emails.ts';
import { type Mailer, RecipientRejectedError, SEND_TIMEOUT_MS } from '../mail/create-transport.ts';

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
 * How long a started send holds its claim. An attempt that neither marked the row sent nor recorded
 * an error within it is gone (see sendEmail); twice the send timeout leaves room for the database
 * writes around the send.
 */
const CLAIM_LEASE_MS = 2 * SEND_TIMEOUT_MS;

// The address syntax browsers accept for type="email": no spaces, commas or angle brackets, so a
// `to` can never name a second recipient or break a header.
const recipientAddress = z.email({ pattern: z.regexes.html5Email });

/**
 * Sends one email, once per idempotency key, however often Temporal retries the activity.
 *
 * The row is claimed before sending and marked sent after; SMTP itself has no idempotency. A failure
 * that proves nothing was delivered (connection refused, timeout before the server accepted, a 4xx
 * reply) is recorded on the row, which frees the claim, and thrown as a retryable error, so Temporal
 * retries with backoff until the server is back. An address that can never receive mail (invalid
 * syntax, or a 5xx reply to RCPT TO) marks the row failed with the reason and ends the step with a
 * non-retryable `InvalidRecipient` failure.
 *
 * The one unavoidable window: the SMTP server accepts the message and then the worker dies, or the
 * database write that marks the row sent fails, or the connection drops after the message's final
 * dot but before the server's reply. The row then stays claimed with attempts > 0 and no error, just
 * as it looks while a send is in flight, so a retry waits until the claim is older than
 * CLAIM_LEASE_MS and then sends again. Delivery is at-least-once in that window, by choice: a
 * duplicate review request or escalation email is better than a lost one. Both copies carry the same
 * Message-ID, which lets mail clients collapse them.
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
    await recordFailure(db, email.id, 'claimed', reason);
    throw new Error(`Sending email ${email.idempotency_key} to ${email.to_address} failed on attempt ${email.attempts}; it will be retried: ${reason}`, {
      cause: error,
    });
  }

  await db
    .updateTable('emails')
    .set({ status: 'sent', message_id: messageId, error: null, sent_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', email.id)
    .execute();
  return { status: 'sent', messageId };
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
        `Email ${email.idempotency_key} is being sent by another attempt, started ${email.updated_at.toISOString()}; retry later`,
      );
  }
}

async function recordFailure(db: Kysely<Database>, id: number, status: 'claimed' | 'failed', reason: string): Promise<void> {
  await db.updateTable('emails').set({ status, error: reason, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
}
