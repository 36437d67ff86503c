import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const API_ROLES = ['admin', 'csm', 'ingest'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** A bearer token for the HTTP API. Only its hash is kept; the token is shown once, at creation. */
export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: ColumnType<ApiRole, ApiRole, never>;
  /** The CSM a csm token acts for: it sees their tasks and accounts only. */
  csm_id: ColumnType<number | null, number | null | undefined, never>;
  token_hash: ColumnType<string, string, never>;
  /** The first characters of the token, to tell tokens apart in listings. */
  token_prefix: ColumnType<string, string, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type ApiToken = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
export type ApiTokenUpdate = Updateable<ApiTokensTable>;
