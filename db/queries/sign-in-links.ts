import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { NewSignInLink, SignInLink, SignInLinkPurpose } from '../tables/sign-in-links.ts';
import { hashSecretToken, newSecretToken } from './secret-tokens.ts';

/** Makes a one-time link and returns its token: the only time it is visible, since only its hash is stored. */
export async function createSignInLink(
  db: Kysely<Database>,
  link: { email: string; nextPath: string; purpose: SignInLinkPurpose; validForMs: number; now?: Date },
): Promise<{ id: number; token: string; expiresAt: Date }> {
  const { token, row } = newSignInLink(link);
  const { id, expires_at } = await db.insertInto('sign_in_links').values(row).returning(['id', 'expires_at']).executeTakeFirstOrThrow();
  return { id, token, expiresAt: expires_at };
}

/** A one-time link's row, not yet stored, and its token: the only time it is visible, since only its hash is stored. */
export function newSignInLink(link: { email: string; nextPath: string; purpose: SignInLinkPurpose; validForMs: number; now?: Date }): {
  token: string;
  row: NewSignInLink & { expires_at: Date };
} {
  const now = link.now ?? new Date();
  const token = newSecretToken();
  return {
    token,
    row: {
      email: link.email.toLowerCase(),
      token_hash: hashSecretToken(token),
      next_path: link.nextPath,
      purpose: link.purpose,
      created_at: now,
      expires_at: new Date(now.getTime() + link.validForMs),
    },
  };
}

/** The links an address asked for since `since`, oldest first: what the rate limit counts. */
export async function requestedSignInLinksSince(db: Kysely<Database>, email: string, since: Date): Promise<Date[]> {
  const rows = await db
    .selectFrom('sign_in_links')
    .select('created_at')
    .where('email', '=', email.toLowerCase())
    .where('purpose', '=', 'requested')
    .where('created_at', '>', since)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => row.created_at);
}

/** The link a token names, in whatever state, or undefined when no link has that token. */
export async function findSignInLink(db: Kysely<Database>, token: string): Promise<SignInLink | undefined> {
  return db.selectFrom('sign_in_links').selectAll().where('token_hash', '=', hashSecretToken(token)).executeTakeFirst();
}

export type SignInLinkRefusal = 'link_invalid' | 'link_used' | 'link_expired';

/**
 * Uses a link: marks it used if it is unused and unexpired, in one statement, so of two requests
 * racing with the same token exactly one gets the link (the other waits on the row's lock and then
 * sees it used). Otherwise says why not, with the link when there is one (its next path).
 */
export async function useSignInLink(
  db: Kysely<Database>,
  token: string,
  now: Date,
): Promise<{ link: SignInLink } | { refused: SignInLinkRefusal; link?: SignInLink }> {
  const used = await db
    .updateTable('sign_in_links')
    .set({ used_at: now })
    .where('token_hash', '=', hashSecretToken(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
  if (used) return { link: used };
  const link = await findSignInLink(db, token);
  if (!link) return { refused: 'link_invalid' };
  return { refused: link.used_at !== null ? 'link_used' : 'link_expired', link };
}

/** Deletes links that expired before `before`: used or not, they open nothing, and the rate limit looks back 15 minutes only. */
export async function deleteExpiredSignInLinks(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db.deleteFrom('sign_in_links').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
