import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { type SendEmailInput, sendEmail } from '../activities/send-email.ts';
import type { Database } from '../db/database.ts';
import type { Mailer } from '../mail/create-transport.ts';

/**
 * Emails the API sends after it has answered (sign-in links), through the journeys' path: a row in
 * `emails`, once per idempotency key, then SMTP or the outbox. Sending after the answer keeps a
 * known address's answer as quick as an unknown one's. Closing waits for the sends under way.
 */
export interface BackgroundMail {
  send(email: SendEmailInput, log: FastifyBaseLogger): void;
  close(): Promise<void>;
}

export function backgroundMail(db: Kysely<Database>, mailer: Mailer, { closeMailer }: { closeMailer: boolean }): BackgroundMail {
  const underWay = new Set<Promise<void>>();
  return {
    send(email, log) {
      const sending = sendEmail({ db, mailer }, email).then(
        () => log.info({ idempotencyKey: email.idempotencyKey }, 'email sent'),
        // Nobody retries it: the person asks for another link, and is told so by the page.
        (error: unknown) => log.warn({ err: error, idempotencyKey: email.idempotencyKey }, 'email not sent'),
      );
      underWay.add(sending);
      void sending.finally(() => underWay.delete(sending));
    },
    async close() {
      await Promise.all(underWay);
      if (closeMailer) mailer.close();
    },
  };
}
