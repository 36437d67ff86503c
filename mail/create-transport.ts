import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { Config } from '../config/config.ts';

/** One email as a workflow step asks for it. */
export interface OutgoingEmail {
  /** From business ids; names the outbox file and fixes the Message-ID. */
  idempotencyKey: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Turns a message into a delivery: given to activities as a dependency. */
export interface Mailer {
  /** Resolves once the SMTP server accepted the message, or its `.eml` file is in the outbox. */
  send(message: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

/** The SMTP server refused the recipient for good (a 5xx reply to RCPT TO): sending again cannot help. */
export class RecipientRejectedError extends Error {
  constructor(
    readonly recipient: string,
    readonly serverResponse: string,
    options?: ErrorOptions,
  ) {
    super(`The SMTP server rejected recipient ${recipient}: ${serverResponse}`, options);
    this.name = 'RecipientRejectedError';
  }
}

/**
 * The longest one SMTP send may take before it is aborted. A down or hung server fails well within
 * it, so the activity retries instead of waiting; the send activity's start-to-close timeout should
 * be at least this.
 */
export const SEND_TIMEOUT_MS = 30_000;

const smtpTimeouts = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };

/** Over SMTP when `smtpUrl` is set, otherwise the embedded default: `.eml` files in the outbox folder. */
export function createMailTransport(mail: Config['mail']): Mailer {
  return mail.smtpUrl ? createSmtpMailer(mail.smtpUrl, mail.from) : createOutboxMailer(mail.outboxDir, mail.from);
}

function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  // Parsed here rather than handed to nodemailer as a url, whose query options would override these.
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // One connection per send: nothing stays open between the activity's attempts.
    pool: false,
    ...smtpTimeouts,
  });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail({ ...compose(message, from), signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
        return { messageId: info.messageId };
      } catch (error) {
        const smtpError = error as NodemailerError;
        // nodemailer sets `permanent` from the reply class: 5xx except 503. A 4xx stays transient.
        if (smtpError.command === 'RCPT TO' && smtpError.permanent === true) {
          throw new RecipientRejectedError(message.to, smtpError.response ?? smtpError.message, { cause: error });
        }
        throw error;
      }
    },
    close: () => transport.close(),
  };
}

function createOutboxMailer(outboxDir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(message) {
      const info = await transport.sendMail(compose(message, from));
      if (!Buffer.isBuffer(info.message)) throw new Error('nodemailer returned a stream although buffer was requested');
      await fs.mkdir(outboxDir, { recursive: true });
      // Written aside and renamed, so the outbox never shows a half-written message; the same key
      // gives the same file name, so writing a message again replaces it rather than adding one.
      const target = path.join(outboxDir, outboxFileName(message.idempotencyKey));
      const temporary = path.join(outboxDir, `.${randomBytes(8).toString('hex')}.tmp`);
      try {
        await fs.writeFile(temporary, info.message, { flush: true });
        await fs.rename(temporary, target);
      } catch (error) {
        await fs.rm(temporary, { force: true });
        throw error;
      }
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}

function compose(message: OutgoingEmail, from: string) {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    // The same for every attempt: should a send be repeated after a crash, mail clients that
    // collapse duplicates by Message-ID show one message.
    messageId: `<${keyDigest(message.idempotencyKey).slice(0, 32)}@npsloop>`,
  };
}

/** The key made filename-safe, with a digest of the original so distinct keys never share a file. */
function outboxFileName(idempotencyKey: string): string {
  const readable = idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return `${readable}-${keyDigest(idempotencyKey).slice(0, 12)}.eml`;
}

function keyDigest(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex');
}
