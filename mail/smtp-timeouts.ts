/** How long each part of one SMTP send may take. */
export interface SmtpTimeouts {
  /**
   * Connecting, the greeting, STARTTLS, AUTH, MAIL FROM, RCPT TO and the server's go-ahead for the
   * message data, together. Shorter than RFC 5321's per-command minutes on purpose: a send that fails
   * here has not handed the message over, so retrying it is safe, and a hung server is left quickly.
   */
  beforeDataMs: number;
  /**
   * From handing the message over to the server's reply to its final dot. RFC 5321 §4.5.3.2.6 gives a
   * server 10 minutes for that reply (it may be scanning or queueing the message): cutting it shorter
   * turns a slow server into duplicate emails, since the server may well take the message after all.
   */
  dataReplyMs: number;
}

export const SMTP_TIMEOUTS: SmtpTimeouts = { beforeDataMs: 60_000, dataReplyMs: 10 * 60_000 };

/**
 * The longest one send can take with SMTP_TIMEOUTS: 11 minutes. The send activity's start-to-close
 * timeout (workflows/activity-options.ts) is longer, and its attempt renews its claim on the email
 * row while it sends (activities/send-email.ts), so an attempt still sending is never taken for a
 * dead one.
 */
export const SEND_TIMEOUT_MS = SMTP_TIMEOUTS.beforeDataMs + SMTP_TIMEOUTS.dataReplyMs;
