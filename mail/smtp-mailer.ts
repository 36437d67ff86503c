import { Readable } from 'node:stream';
import type { NodemailerError } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection, { type SMTPConnectionAuth, type SMTPConnectionOptions, type SMTPEnvelope } from 'nodemailer/lib/smtp-connection';
import { composeMessage } from './compose-message.ts';
import type { Mailer } from './create-transport.ts';
import { DeliveryInDoubtError, RecipientRejectedError } from './delivery-errors.ts';
import { SMTP_TIMEOUTS, type SmtpTimeouts } from './smtp-timeouts.ts';

/**
 * Sends each message over its own SMTP connection (nothing stays open between an activity's attempts)
 * and tells apart the failures that prove the message was not delivered from those that leave it in
 * doubt. nodemailer's SMTPConnection is used rather than its transport because the difference hangs
 * on one moment the transport does not expose: when the message data starts to flow, which is after
 * the server's go-ahead to DATA and before the final dot.
 */
export function createSmtpMailer(smtpUrl: string, from: string, timeouts: SmtpTimeouts = SMTP_TIMEOUTS): Mailer {
  // Parsed here rather than handed to nodemailer as a url, whose query options would override these.
  const url = new URL(smtpUrl);
  const options: SMTPConnectionOptions = {
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    secure: url.protocol === 'smtps:',
    // A backstop only: beforeDataMs bounds everything before the data together, and its own
    // deadline, started first, must be the one that fires, with its message.
    connectionTimeout: timeouts.beforeDataMs + 1_000,
    greetingTimeout: timeouts.beforeDataMs + 1_000,
    // Inactivity: after the data, the server's silence while it decides.
    socketTimeout: timeouts.dataReplyMs,
    logger: false,
  };
  const auth: SMTPConnectionAuth | undefined = url.username
    ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
    : undefined;
  const sendsInFlight = new Set<(reason: Error) => void>();

  return {
    async send(message) {
      const composed = new MailComposer(composeMessage(message, from)).compile();
      const data = await composed.build();
      await deliver({ options, auth, timeouts, envelope: composed.getEnvelope(), recipient: message.to, data, sendsInFlight });
      return { messageId: composed.messageId() };
    },
    close() {
      for (const abort of sendsInFlight) abort(new Error('the mailer was closed during the send'));
    },
  };
}

interface Delivery {
  options: SMTPConnectionOptions;
  auth: SMTPConnectionAuth | undefined;
  timeouts: SmtpTimeouts;
  envelope: SMTPEnvelope;
  recipient: string;
  data: Buffer;
  sendsInFlight: Set<(reason: Error) => void>;
}

/**
 * One SMTP transaction. Resolves once the server accepted the message; rejects with
 * RecipientRejectedError for a 5xx to RCPT TO, with DeliveryInDoubtError when the data was handed
 * over and no reply came, and with the transport's error otherwise, which proves nothing was taken.
 */
function deliver({ options, auth, timeouts, envelope, recipient, data, sendsInFlight }: Delivery): Promise<void> {
  return new Promise((resolve, reject) => {
    const connection = new SMTPConnection(options);
    let handedOver = false;
    let settled = false;
    let deadline = setTimeout(
      () => settle(new Error(`no go-ahead for the message data within ${seconds(timeouts.beforeDataMs)}`)),
      timeouts.beforeDataMs,
    );
    const settle = (error?: NodemailerError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      sendsInFlight.delete(settle);
      if (!error) {
        connection.quit();
        resolve();
        return;
      }
      connection.close();
      reject(classify(error, handedOver, recipient));
    };
    sendsInFlight.add(settle);
    // Listened to for the connection's whole life: an error after settling is ignored, never thrown.
    connection.on('error', settle);

    // Read by nodemailer only once the server answered DATA with its go-ahead: from the first read on,
    // the server may end up with the whole message.
    const message = new Readable({
      read() {
        if (handedOver) return;
        handedOver = true;
        clearTimeout(deadline);
        deadline = setTimeout(
          () => settle(new Error(`no reply to the message data within ${seconds(timeouts.dataReplyMs)}`)),
          timeouts.dataReplyMs,
        );
        this.push(data);
        this.push(null);
      },
    });
    const send = () => connection.send(envelope, message, (error) => settle(error ?? undefined));

    connection.connect((error) => {
      if (error) return settle(error);
      if (auth && connection.allowsAuth) connection.login(auth, (loginError) => (loginError ? settle(loginError) : send()));
      else send();
    });
  });
}

function classify(error: NodemailerError, handedOver: boolean, recipient: string): Error {
  // nodemailer sets `permanent` from the reply class: 5xx except 503. A 4xx stays transient.
  if (error.command === 'RCPT TO' && error.permanent === true) {
    return new RecipientRejectedError(recipient, error.response ?? error.message, { cause: error });
  }
  // A reply to the data, even a refusal, settles it; silence or a lost connection does not.
  if (handedOver && error.responseCode === undefined) return new DeliveryInDoubtError(error.message, { cause: error });
  return error;
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
