import type { Insertable, Selectable, Updateable } from 'kysely';

/** A response whose workflow must run: pending until the relay has started it. */
export interface ResponseWorkflowStartsTable {
  response_id: number;
  requested_at: Date;
  started_at: Date | null;
  attempts: number;
  last_error: string | null;
}

export type ResponseWorkflowStart = Selectable<ResponseWorkflowStartsTable>;
export type NewResponseWorkflowStart = Insertable<ResponseWorkflowStartsTable>;
export type ResponseWorkflowStartUpdate = Updateable<ResponseWorkflowStartsTable>;
