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
 * The whole message was handed to the SMTP server, and its reply never came (no reply in time, the
 * connection lost): the server may have taken the message, or not. Every other failure of a send
 * proves nothing was delivered.
 */
export class DeliveryInDoubtError extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(`The SMTP server was handed the whole message and did not reply, so it may have taken it: ${reason}`, options);
    this.name = 'DeliveryInDoubtError';
  }
}
