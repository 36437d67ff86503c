import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Why a link was made: asked for on the sign-in page (rate-limited), in a task email, or printed by npsloop. */
export const SIGN_IN_LINK_PURPOSES = ['requested', 'task_email', 'printed'] as const;
export type SignInLinkPurpose = (typeof SIGN_IN_LINK_PURPOSES)[number];

/** A one-time link to the web app, sent by email. Only a hash of its token is kept. */
export interface SignInLinksTable {
  id: Generated<number>;
  /** Lower-cased. Who may sign in with it is decided when it is used, not when it is made. */
  email: ColumnType<string, string, never>;
  token_hash: ColumnType<string, string, never>;
  /** Where the web app opens once signed in: a path under /app/. */
  next_path: ColumnType<string, string, never>;
  purpose: ColumnType<SignInLinkPurpose, SignInLinkPurpose, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: ColumnType<Date, Date, never>;
  /** Set once, when it opened a session: a link is used at most once. */
  used_at: ColumnType<Date | null, never, Date>;
}

export type SignInLink = Selectable<SignInLinksTable>;
export type NewSignInLink = Insertable<SignInLinksTable>;
export type SignInLinkUpdate = Updateable<SignInLinksTable>;
