/**
 * What a journey email is about, so that npsloop adds what its reader needs around the journey's
 * template: a task's details and link, or a customer email's sender, reply-to and unsubscribe.
 * Runs started by earlier versions send without it: their emails have the template alone.
 */
export type JourneyEmailAbout =
  | { kind: 'task'; taskId: number; reason: 'created' }
  /** The task reached the reader because `notActedBy` let `waitedHours` pass. */
  | { kind: 'task'; taskId: number; reason: 'escalated'; notActedBy: string; waitedHours: number }
  | { kind: 'task'; taskId: number; reason: 'reassigned'; reassignedBy: string; why: string | null }
  /** An email to the customer (the respondent) whose user this is. */
  | { kind: 'customer'; userId: number };
