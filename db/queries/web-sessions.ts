import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { WebSession, WebSessionRole } from '../tables/web-sessions.ts';
import type { ApiPrincipal } from './api-principal.ts';
import { hashSecretToken, newSecretToken } from './secret-tokens.ts';

/** Opens a session and returns its cookie's token (only its hash is stored) and its CSRF token. */
export async function createWebSession(
  db: Kysely<Database>,
  session: { email: string; role: WebSessionRole; csmId: number | null; validForMs: number; now: Date },
): Promise<{ id: number; token: string; csrfToken: string; expiresAt: Date }> {
  const token = newSecretToken();
  const csrfToken = newSecretToken();
  const row = await db
    .insertInto('web_sessions')
    .values({
      token_hash: hashSecretToken(token),
      email: session.email.toLowerCase(),
      role: session.role,
      csm_id: session.csmId,
      csrf_token: csrfToken,
      created_at: session.now,
      last_seen_at: session.now,
      expires_at: new Date(session.now.getTime() + session.validForMs),
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, token, csrfToken, expiresAt: row.expires_at };
}

/**
 * The live session a cookie's token names: not revoked, not expired, and for a csm session its CSM
 * still has the address that signed in (a CSM removed or re-addressed by a sync ends their sessions).
 * Undefined otherwise.
 */
export async function findWebSession(db: Kysely<Database>, token: string, now: Date): Promise<WebSession | undefined> {
  const session = await db
    .selectFrom('web_sessions')
    .leftJoin('csms', 'csms.id', 'web_sessions.csm_id')
    .selectAll('web_sessions')
    .where('web_sessions.token_hash', '=', hashSecretToken(token))
    .where('web_sessions.revoked_at', 'is', null)
    .where('web_sessions.expires_at', '>', now)
    .where((eb) => eb.or([eb('web_sessions.role', '=', 'admin'), eb('csms.email', '=', eb.ref('web_sessions.email'))]))
    .executeTakeFirst();
  if (!session) return undefined;
  // Minute resolution, as for API tokens: enough to see who is active, without a write per request.
  if (now.getTime() - session.last_seen_at.getTime() > 60_000) {
    await db.updateTable('web_sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
  }
  return session;
}

/** Ends a session; true when it was live. */
export async function revokeWebSession(db: Kysely<Database>, id: number, now: Date): Promise<boolean> {
  const result = await db.updateTable('web_sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A session as the API's access rules see it: the same principal a token of its role and CSM would be. */
export function principalOfSession(session: WebSession): ApiPrincipal {
  return { source: { kind: 'session', sessionId: session.id }, name: session.email, role: session.role, csmId: session.csm_id };
}

/** What the web app shows of who is signed in: their name as a CSM, and whether anyone reports to them. */
export async function signedInPerson(db: Kysely<Database>, session: WebSession): Promise<{ name: string | null; isManager: boolean }> {
  const csm = await db
    .selectFrom('csms')
    .select(['id', 'name'])
    .where(session.csm_id !== null ? 'id' : 'email', '=', session.csm_id ?? session.email)
    .orderBy('id')
    .executeTakeFirst();
  if (!csm) return { name: null, isManager: false };
  const report = await db.selectFrom('csms').select('id').where('manager_id', '=', csm.id).limit(1).executeTakeFirst();
  return { name: csm.name, isManager: report !== undefined };
}

/** Deletes sessions that ended (expired or signed out) before `before`: they can never be used again. */
export async function deleteEndedWebSessions(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('web_sessions')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
