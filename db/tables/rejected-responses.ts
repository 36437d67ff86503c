import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type RejectionReason = 'unknown_user' | 'invalid';

export interface RejectionIssue {
  /** Field path in the payload, e.g. "event_data.score" or "score". */
  path: string;
  message: string;
}

/** A NormalizedResponse as JSON (dates as ISO strings). */
export interface StoredResponseJson {
  source: string;
  sourceResponseId: string;
  email: string;
  score: number;
  respondedAt: string;
  comment: string | null;
  excluded: boolean;
}

export interface RejectedResponsesTable {
  id: Generated<number>;
  source: string;
  reason: RejectionReason;
  issues: ColumnType<RejectionIssue[], string, string>;
  /** 1-based line in the CSV file it came from, when it came from one. */
  line: number | null;
  email: string | null;
  source_response_id: string | null;
  payload: ColumnType<unknown, string, string>;
  /** The validated response, for unknown_user rejections: what a replay stores once the user is known. */
  response: ColumnType<StoredResponseJson | null, string | null, string | null>;
  received_at: Date;
  /** Set when an unknown_user rejection was taken after the user was synced. */
  replayed_at: Date | null;
  replayed_response_id: number | null;
}

export type RejectedResponse = Selectable<RejectedResponsesTable>;
export type NewRejectedResponse = Insertable<RejectedResponsesTable>;
export type RejectedResponseUpdate = Updateable<RejectedResponsesTable>;
