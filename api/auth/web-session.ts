import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import { findWebSession } from '../../db/queries/web-sessions.ts';
import type { WebSession } from '../../db/tables/web-sessions.ts';
import { ApiError } from '../api-error.ts';

/** The cookie that carries a web session's token. */
export const SESSION_COOKIE = 'npsloop_session';

/** The header the web app repeats its session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the request presents a session cookie at all (live or not). */
export function hasSessionCookie(request: FastifyRequest): boolean {
  return request.cookies[SESSION_COOKIE] !== undefined;
}

/**
 * The live session of the request's cookie, or undefined. An admin session ends when its address
 * leaves NPSLOOP_ADMIN_EMAILS; a CSM's when the CSM is gone (findWebSession).
 */
export async function sessionOfRequest(db: Kysely<Database>, config: Config, request: FastifyRequest, now = new Date()): Promise<WebSession | undefined> {
  const token = request.cookies[SESSION_COOKIE];
  if (token === undefined || token === '') return undefined;
  const session = await findWebSession(db, token, now);
  if (session?.role === 'admin' && !config.signIn.adminEmails.includes(session.email)) return undefined;
  return session;
}

/**
 * A state-changing request a browser sends with the session cookie must prove it comes from the web
 * app: the session's CSRF token in x-csrf-token (which another site's page cannot read), and an
 * Origin, when the browser sends one, of npsloop itself. SameSite=Lax already keeps the cookie off
 * other sites' POSTs; this holds without relying on it.
 */
export function checkCsrf(request: FastifyRequest, session: WebSession, config: Config): void {
  if (SAFE_METHODS.has(request.method)) return;
  const presented = request.headers[CSRF_HEADER];
  if (typeof presented !== 'string' || !sameSecret(presented, session.csrf_token)) {
    throw new ApiError(403, 'csrf_failed', `a signed-in request that changes something must carry the session's CSRF token in ${CSRF_HEADER} (GET /auth/session gives it)`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, request, config)) {
    throw new ApiError(403, 'csrf_failed', `a signed-in request from another site (Origin ${origin}) is refused`);
  }
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The public URL's origin, or the host the request was sent to (npsloop reached directly). */
function isOwnOrigin(origin: string, request: FastifyRequest, config: Config): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  return url.origin === new URL(config.publicUrl).origin || (request.headers.host !== undefined && url.host === request.headers.host);
}

/** Cookies are Secure when browsers reach npsloop over https (NPSLOOP_PUBLIC_URL). */
function cookieOptions(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: new URL(config.publicUrl).protocol === 'https:' } as const;
}

export function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAt: Date): void {
  void reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(config), expires: expiresAt });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(config));
}
