import { createHash } from 'node:crypto';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer';

/** One email as a workflow step asks for it. */
export interface OutgoingEmail {
  /** From business ids; names the outbox file and fixes the Message-ID. */
  idempotencyKey: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Instead of the instance's sender (NPSLOOP_MAIL_FROM): customer emails have their own. */
  from?: string;
  replyTo?: string;
  /** Extra headers, such as List-Unsubscribe. */
  headers?: Record<string, string>;
}

/** The message's headers and body as nodemailer composes them, the same for every attempt. */
export function composeMessage(message: OutgoingEmail, from: string): MailComposerOptions {
  return {
    from: message.from ?? from,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    ...(message.headers ? { headers: message.headers } : {}),
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    // The same for every attempt: should a send be repeated after a crash, mail clients that
    // collapse duplicates by Message-ID show one message.
    messageId: `<${keyDigest(message.idempotencyKey).slice(0, 32)}@npsloop>`,
  };
}

/** A SHA-256 of the key, in hex: distinct keys never share a Message-ID or an outbox file. */
export function keyDigest(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex');
}
