import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { APP_HOME, appPath } from '../sign-in/next-path.ts';
import { issueSignInLink } from '../sign-in/sign-in-links.ts';
import { signInIdentity, type SignInIdentity } from '../sign-in/who-may-sign-in.ts';
import { UsageError } from './usage-error.ts';

/**
 * A fresh 15-minute sign-in link that npsloop prints rather than emails (npm start, `npsloop
 * sign-in-link`): for `email`, by default the first admin's, opening `next` (a page under /app/).
 */
export async function printedSignInLink(
  db: Kysely<Database>,
  config: Config,
  publicBaseUrl: string,
  { email, next = APP_HOME }: { email?: string | undefined; next?: string | undefined } = {},
): Promise<SignInIdentity & { url: string; expiresAt: Date }> {
  const address = email ?? config.signIn.adminEmails[0];
  if (address === undefined) throw new UsageError('--email: no admin email is configured (NPSLOOP_ADMIN_EMAILS); give the email of a CSM or an admin');
  const nextPath = appPath(next);
  if (nextPath === undefined) throw new UsageError(`--next: expected a page of the web app, a path starting with ${APP_HOME}, got ${next}`);
  const identity = await signInIdentity(db, address, config.signIn.adminEmails);
  if (!identity) throw new UsageError(`--email: ${address} may not sign in: it is neither a CSM's email nor listed in NPSLOOP_ADMIN_EMAILS`);
  const link = await issueSignInLink(db, { email: identity.email, nextPath, purpose: 'printed', publicBaseUrl });
  return { ...identity, url: link.url, expiresAt: link.expiresAt };
}
