import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.ts';
import { composeMessage, keyDigest, type OutgoingEmail } from './compose-message.ts';
import { createSmtpMailer } from './smtp-mailer.ts';
import type { SmtpTimeouts } from './smtp-timeouts.ts';

/** Turns a message into a delivery: given to activities as a dependency. */
export interface Mailer {
  /**
   * Resolves once the SMTP server accepted the message, or its `.eml` file is in the outbox. Rejects
   * with RecipientRejectedError when the address can never receive mail, with DeliveryInDoubtError
   * when the message may have been taken although no acceptance came back, and with any other error
   * only when nothing was delivered.
   */
  send(message: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

/** Over SMTP when `smtpUrl` is set, otherwise the embedded default: `.eml` files in the outbox folder. */
export function createMailTransport(mail: Pick<Config['mail'], 'smtpUrl' | 'from' | 'outboxDir'>, smtpTimeouts?: SmtpTimeouts): Mailer {
  return mail.smtpUrl ? createSmtpMailer(mail.smtpUrl, mail.from, smtpTimeouts) : createOutboxMailer(mail.outboxDir, mail.from);
}

function createOutboxMailer(outboxDir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(message) {
      const info = await transport.sendMail(composeMessage(message, from));
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

/** The key made filename-safe, with a digest of the original so distinct keys never share a file. */
function outboxFileName(idempotencyKey: string): string {
  const readable = idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return `${readable}-${keyDigest(idempotencyKey).slice(0, 12)}.eml`;
}
