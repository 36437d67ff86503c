import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const WEB_SESSION_ROLES = ['admin', 'csm'] as const;
export type WebSessionRole = (typeof WEB_SESSION_ROLES)[number];

/** A person signed in to the web app: its token is in their browser's cookie, only its hash here. */
export interface WebSessionsTable {
  id: Generated<number>;
  token_hash: ColumnType<string, string, never>;
  /** Who signed in (lower-cased): what histories record as who acted. */
  email: ColumnType<string, string, never>;
  role: ColumnType<WebSessionRole, WebSessionRole, never>;
  /** The CSM a csm session acts for, as a csm token does. */
  csm_id: ColumnType<number | null, number | null | undefined, never>;
  /** Sent back by the web app in x-csrf-token on every state-changing request. */
  csrf_token: ColumnType<string, string, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  /** Absolute: activity does not extend a session. */
  expires_at: ColumnType<Date, Date, never>;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
  revoked_at: ColumnType<Date | null, never, Date>;
}

export type WebSession = Selectable<WebSessionsTable>;
export type NewWebSession = Insertable<WebSessionsTable>;
export type WebSessionUpdate = Updateable<WebSessionsTable>;
