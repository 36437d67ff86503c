import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A response whose workflow must run: pending until the relay has started it. */
export interface ResponseWorkflowStartsTable {
  response_id: number;
  requested_at: Date;
  started_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
  /** While set and in the future, a relay is starting it: no other relay claims it. */
  lease_until: Date | null;
  /** Not claimed before this: the backoff after a failed start. */
  next_attempt_at: Generated<Date>;
}

export type ResponseWorkflowStart = Selectable<ResponseWorkflowStartsTable>;
export type NewResponseWorkflowStart = Insertable<ResponseWorkflowStartsTable>;
export type ResponseWorkflowStartUpdate = Updateable<ResponseWorkflowStartsTable>;
