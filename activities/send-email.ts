import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { type Kysely, type QueryCreator, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Email, NewEmail } from '../db/tables/emails.ts';
import type { NewSignInLink } from '../db/tables/sign-in-links.ts';
import type { Mailer } from '../mail/create-transport.ts';
import { DeliveryInDoubtError, RecipientRejectedError } from '../mail/delivery-errors.ts';

export interface SendEmailDependencies {
  db: Kysely<Database>;
  mailer: Mailer;
  /** How long a claim outlives its attempt (CLAIM_LEASE_MS unless a test shortens it). */
  claimLeaseMs?: number;
}

export interface SendEmailInput {
  /** Workflow id + step: the same for every attempt of the step, never a run id. */
  idempotencyKey: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  from?: string;
  replyTo?: string;
  headers?: Record<string, string>;
  workflowId?: string;
  /**
   * The one-time sign-in link the message carries: stored with the email's row, in the same
   * statement, so a retry (which sends the stored message) never leaves another link behind.
   */
  signInLink?: NewSignInLink;
}

export interface SendEmailResult {
  status: 'sent' | 'already_sent';
  messageId: string | null;
}

/** The failure type a workflow sees when the address can never receive mail. */
export const INVALID_RECIPIENT = 'InvalidRecipient';

/**
 * How long a claim outlives the attempt that holds it. A live attempt renews its claim every third
 * of this while it sends (up to mail/smtp-timeouts.ts's SEND_TIMEOUT_MS with a slow server) and marks the email
 * sent, so it is never taken for a dead one; an attempt lost with its worker stops renewing, and its
 * email is free for a retry within this time rather than after the longest possible send.
 */
const CLAIM_LEASE_MS = 60_000;

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
 *   until the claim has lapsed (CLAIM_LEASE_MS after the attempt) and then send again.
 *
 * So an email goes out twice only when the server took it and the acceptance never reached the
 * database: no reply to the data within 10 minutes or the connection lost before it, the worker dying
 * between the server's acceptance and marking the row sent, or the database refusing that write for
 * longer than MARK_SENT_RETRY_MS. There delivery is at-least-once, by choice, as RFC 5321 §3.8 asks of
 * a client that lost its connection: a duplicate review request or escalation email is better than a
 * lost one. Both copies carry the same Message-ID, which lets mail clients collapse them.
 */
export async function sendEmail(deps: SendEmailDependencies, input: SendEmailInput): Promise<SendEmailResult> {
  const { db } = deps;
  const addressProblem = recipientAddress.safeParse(input.to).success
    ? null
    : `Invalid recipient address ${JSON.stringify(input.to)}: not an email address`;
  const leaseMs = deps.claimLeaseMs ?? CLAIM_LEASE_MS;
  // A new row is claimed by this attempt as it is written; an existing one (a retry's) is claimed anew.
  const inserted = await insertEmail(
    db,
    {
      idempotency_key: input.idempotencyKey,
      to_address: input.to,
      subject: input.subject,
      body_text: input.text,
      body_html: input.html ?? null,
      from_address: input.from ?? null,
      reply_to: input.replyTo ?? null,
      headers: input.headers ? JSON.stringify(input.headers) : null,
      workflow_id: input.workflowId ?? null,
      // Recorded without contacting SMTP: the step's reason is on the row like a server rejection.
      status: addressProblem ? 'failed' : 'claimed',
      error: addressProblem,
      attempts: addressProblem ? 0 : 1,
    },
    input.signInLink,
  );
  const email = inserted ? (inserted.status === 'claimed' ? inserted : undefined) : await claimAttempt(db, input.idempotencyKey, leaseMs);
  if (!email) return outcomeOf(inserted ?? (await findEmail(db, input.idempotencyKey)), leaseMs);

  const stopRenewing = renewClaim(db, email, leaseMs);
  try {
    const messageId = await send(deps, email, leaseMs);
    await markSent(db, email, messageId, leaseMs);
    return { status: 'sent', messageId };
  } finally {
    stopRenewing();
  }
}

/** Writes a new email's row, with the sign-in link it carries; undefined when the key has a row already. */
async function insertEmail(db: Kysely<Database>, email: NewEmail, signInLink: NewSignInLink | undefined): Promise<Email | undefined> {
  const insert = (creator: QueryCreator<Database>) =>
    creator
      .insertInto('emails')
      .values(email)
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returningAll();
  if (!signInLink) return insert(db).executeTakeFirst();
  const { email: address, token_hash, next_path, purpose, created_at, expires_at } = signInLink;
  return db
    .with('email', insert)
    .with('link', (creator) =>
      creator
        .insertInto('sign_in_links')
        .columns(['email', 'token_hash', 'next_path', 'purpose', 'created_at', 'expires_at'])
        // One link per email row written, none when the row existed; typed casts, as a SELECT list's bare parameters are text.
        .expression(
          creator.selectFrom('email').select((eb) => [
            eb.cast(eb.val(address), 'text').as('email'),
            eb.cast(eb.val(token_hash), 'text').as('token_hash'),
            eb.cast(eb.val(next_path), 'text').as('next_path'),
            eb.cast(eb.val(purpose), 'text').as('purpose'),
            eb.cast(eb.val(created_at ?? new Date()), 'timestamptz').as('created_at'),
            eb.cast(eb.val(expires_at), 'timestamptz').as('expires_at'),
          ]),
        ),
    )
    .selectFrom('email')
    .selectAll()
    .executeTakeFirst();
}

/**
 * Records an email a step decided not to send (the recipient unsubscribed), failed with the
 * reason, so the recipient's timeline shows it; once per idempotency key, like a sent one.
 */
export async function recordUnsentEmail(
  db: Kysely<Database>,
  email: { idempotencyKey: string; to: string; subject: string; workflowId?: string },
  reason: string,
): Promise<void> {
  await db
    .insertInto('emails')
    .values({
      idempotency_key: email.idempotencyKey,
      to_address: email.to,
      subject: email.subject,
      body_text: '',
      workflow_id: email.workflowId ?? null,
      status: 'failed',
      error: `not sent: ${reason}`,
    })
    .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
    .execute();
}

/** Hands the claimed email to the mailer; a failure is recorded by what it proves (see sendEmail). */
async function send({ db, mailer }: SendEmailDependencies, email: Email, leaseMs: number): Promise<string> {
  try {
    // What the row holds is what goes out: the claim, not the retried input, is the record.
    const { messageId } = await mailer.send({
      idempotencyKey: email.idempotency_key,
      to: email.to_address,
      subject: email.subject,
      text: email.body_text,
      html: email.body_html ?? undefined,
      ...(email.from_address ? { from: email.from_address } : {}),
      ...(email.reply_to ? { replyTo: email.reply_to } : {}),
      ...(email.headers ? { headers: email.headers } : {}),
    });
    return messageId;
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
          `It is sent again once its claim has lapsed, ${leaseMs / 1000} s after this attempt`,
        { cause: error },
      );
    }
    await recordFailure(db, email.id, 'claimed', reason);
    throw new Error(`Sending email ${email.idempotency_key} to ${email.to_address} failed on attempt ${email.attempts}; it will be retried: ${reason}`, {
      cause: error,
    });
  }
}

/**
 * Records the server's acceptance, retrying for MARK_SENT_RETRY_MS: until it is written, a retry
 * would take the email for one in doubt and send it again once the lease ends.
 */
async function markSent(db: Kysely<Database>, email: Email, messageId: string, leaseMs: number): Promise<void> {
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
            `It is sent again once its claim has lapsed, ${leaseMs / 1000} s after this attempt`,
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
 * one stopped renewing its lease. Times are the database's, so workers' clocks do not matter.
 */
function claimAttempt(db: Kysely<Database>, idempotencyKey: string, leaseMs: number): Promise<Email | undefined> {
  return db
    .updateTable('emails')
    .set({ attempts: sql<number>`attempts + 1`, error: null, updated_at: sql<Date>`now()` })
    .where('idempotency_key', '=', idempotencyKey)
    .where('status', '=', 'claimed')
    .where((eb) =>
      eb.or([
        eb('attempts', '=', 0),
        eb('error', 'is not', null),
        eb('updated_at', '<', sql<Date>`now() - make_interval(secs => ${leaseMs / 1000})`),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

/**
 * Keeps this attempt's claim alive while it runs. A renewal that fails (the database away) is let
 * be: the next one, or the attempt's own writes, come when it is back.
 */
function renewClaim(db: Kysely<Database>, email: Email, leaseMs: number): () => void {
  const timer = setInterval(() => {
    db.updateTable('emails')
      .set({ updated_at: sql<Date>`now()` })
      .where('id', '=', email.id)
      .where('status', '=', 'claimed')
      .where('attempts', '=', email.attempts)
      .execute()
      .catch(() => {});
  }, leaseMs / 3);
  return () => clearInterval(timer);
}

function findEmail(db: Kysely<Database>, idempotencyKey: string): Promise<Email> {
  return db.selectFrom('emails').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow();
}

/** The result for a key whose row could not be claimed: settled before, or sending right now. */
function outcomeOf(email: Email, leaseMs: number): SendEmailResult {
  switch (email.status) {
    case 'sent':
      return { status: 'already_sent', messageId: email.message_id };
    case 'failed':
      throw ApplicationFailure.nonRetryable(email.error ?? 'The recipient cannot receive mail', INVALID_RECIPIENT);
    case 'claimed':
      throw new Error(
        `Email ${email.idempotency_key} is claimed by an attempt started ${email.updated_at.toISOString()}, which is sending it or ended ` +
          `in doubt; it is sent again once that attempt has stopped renewing its claim for ${leaseMs / 1000} s`,
      );
  }
}

async function recordFailure(db: Kysely<Database>, id: number, status: 'claimed' | 'failed', reason: string): Promise<void> {
  await db.updateTable('emails').set({ status, error: reason, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
}
