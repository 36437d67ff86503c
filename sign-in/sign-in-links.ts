import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { createSignInLink, newSignInLink } from '../db/queries/sign-in-links.ts';
import type { NewSignInLink, SignInLinkPurpose } from '../db/tables/sign-in-links.ts';

/** A link asked for on the sign-in page, or printed, is used at once. */
export const SIGN_IN_LINK_MINUTES = 15;
/** A task email is read later, often the next day: its link lasts longer, and is still single use. */
export const TASK_EMAIL_LINK_DAYS = 7;

const MINUTE_MS = 60_000;

/** How long a link of each purpose is valid. */
export function signInLinkLifetimeMs(purpose: SignInLinkPurpose): number {
  return purpose === 'task_email' ? TASK_EMAIL_LINK_DAYS * 24 * 60 * MINUTE_MS : SIGN_IN_LINK_MINUTES * MINUTE_MS;
}

/** The address a browser opens to use a link's token. */
export function signInUrl(publicBaseUrl: string, token: string): string {
  const url = new URL('/auth/verify', publicBaseUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * A one-time link for `email` that opens `nextPath`, made but not stored: the row to store with
 * the email that carries it (sendEmail's `signInLink`).
 */
export function prepareSignInLink(link: { email: string; nextPath: string; purpose: SignInLinkPurpose; publicBaseUrl: string; now?: Date }): {
  url: string;
  expiresAt: Date;
  row: NewSignInLink;
} {
  const { token, row } = newSignInLink({ ...link, validForMs: signInLinkLifetimeMs(link.purpose) });
  return { url: signInUrl(link.publicBaseUrl, token), expiresAt: row.expires_at, row };
}

/** Makes a one-time link for `email` that opens `nextPath` (a path under /app/, see appPath). */
export async function issueSignInLink(
  db: Kysely<Database>,
  link: { email: string; nextPath: string; purpose: SignInLinkPurpose; publicBaseUrl: string; now?: Date },
): Promise<{ id: number; url: string; expiresAt: Date }> {
  const { id, token, expiresAt } = await createSignInLink(db, { ...link, validForMs: signInLinkLifetimeMs(link.purpose) });
  return { id, url: signInUrl(link.publicBaseUrl, token), expiresAt };
}
