import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { WebSessionRole } from '../db/tables/web-sessions.ts';

export interface SignInIdentity {
  email: string;
  role: WebSessionRole;
  /** The CSM a csm session acts for; null for an admin. */
  csmId: number | null;
}

/**
 * Who an address signs in as: an admin when NPSLOOP_ADMIN_EMAILS lists it (even if it is a CSM's
 * too), else the CSM with that email, else nobody. CSM emails are not unique; when several share
 * one, the first synced is taken, as a csm token names one CSM.
 */
export async function signInIdentity(db: Kysely<Database>, address: string, adminEmails: readonly string[]): Promise<SignInIdentity | undefined> {
  const email = address.trim().toLowerCase();
  if (adminEmails.includes(email)) return { email, role: 'admin', csmId: null };
  const csm = await db.selectFrom('csms').select('id').where('email', '=', email).orderBy('id').executeTakeFirst();
  return csm ? { email, role: 'csm', csmId: csm.id } : undefined;
}
