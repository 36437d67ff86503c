import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import { z } from 'zod';
import { inTransaction } from '../../db/in-transaction.ts';
import { timeZoneOfCsm } from '../../db/queries/csms.ts';
import { deleteExpiredSignInLinks, findSignInLink, requestedSignInLinksSince, type SignInLinkRefusal, useSignInLink } from '../../db/queries/sign-in-links.ts';
import { createWebSession, deleteEndedWebSessions, revokeWebSession, signedInPerson } from '../../db/queries/web-sessions.ts';
import { WEB_SESSION_ROLES } from '../../db/tables/web-sessions.ts';
import { APP_HOME, appPath } from '../../sign-in/next-path.ts';
import { signInEmail } from '../../sign-in/sign-in-email.ts';
import { issueSignInLink, SIGN_IN_LINK_MINUTES } from '../../sign-in/sign-in-links.ts';
import { signInIdentity } from '../../sign-in/who-may-sign-in.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema } from '../api-error.ts';
import type { BackgroundMail } from '../background-mail.ts';
import { publicRoute } from '../auth/access.ts';
import { checkCsrf, clearSessionCookie, sessionOfRequest, setSessionCookie } from '../auth/web-session.ts';

/** At most this many links an address may ask for within SIGN_IN_LINK_MINUTES. */
const REQUESTS_PER_WINDOW = 5;
const WINDOW_MS = SIGN_IN_LINK_MINUTES * 60_000;

/** The web app's page that says why a link did not sign anyone in and offers a fresh one. */
const SIGN_IN_PAGE = '/app/sign-in';

const ASKED = `if this address may sign in, a sign-in link is on its way to it; it works once, for ${SIGN_IN_LINK_MINUTES} minutes`;

const sessionSchema = z
  .object({
    email: z.string(),
    name: z.string().nullable().describe("the CSM's name, when the address is a CSM's"),
    role: z.enum(WEB_SESSION_ROLES),
    csmId: z.number().int().nullable().describe('the CSM a csm session acts for'),
    isManager: z.boolean().describe('someone reports to this CSM: they see their team'),
    csrfToken: z.string().describe('send it back in x-csrf-token on every request that changes something'),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'WebSession' });

/**
 * Signing in to the web app with one-time links sent by email, and the session cookie they set.
 * These routes are public (nobody is signed in yet) and make their own checks: the link's token,
 * the session's cookie, and the CSRF token for signing out.
 */
export function registerAuthRoutes(app: ApiApp, deps: ApiDependencies, mail: BackgroundMail): void {
  const { db, config } = deps;

  app.post(
    '/auth/sign-in-links',
    {
      config: { access: publicRoute('people ask for a sign-in link before they are signed in; the link goes only to the address, and requests are limited per address') },
      schema: {
        tags: ['sign-in'],
        summary: 'email a one-time sign-in link to an address',
        description:
          `The answer is the same whether or not the address may sign in (a CSM's, or one in NPSLOOP_ADMIN_EMAILS), so it tells nobody who has an account; ` +
          `only such an address gets an email. An address may ask ${REQUESTS_PER_WINDOW} times in ${SIGN_IN_LINK_MINUTES} minutes (then 429, with Retry-After).`,
        security: [],
        body: z.object({
          email: z.email({ pattern: z.regexes.html5Email }).max(320),
          next: z.string().max(2_000).optional().describe(`the web app's page to open once signed in, a path under ${APP_HOME}; ${APP_HOME} by default`),
        }),
        response: { 202: z.object({ message: z.string() }), 400: errorResponseSchema, 429: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      const nextPath = request.body.next === undefined ? APP_HOME : appPath(request.body.next);
      if (nextPath === undefined) {
        const message = `a path of the web app on this site, starting with ${APP_HOME}`;
        throw new ApiError(400, 'invalid_request', 'the body does not match the schema', [{ path: 'body.next', message }]);
      }
      const now = new Date();
      const recent = await requestedSignInLinksSince(db, email, new Date(now.getTime() - WINDOW_MS));
      if (recent.length >= REQUESTS_PER_WINDOW) {
        // Another may be asked for once the oldest of the last few has left the window.
        const freeAt = recent[recent.length - REQUESTS_PER_WINDOW]!.getTime() + WINDOW_MS;
        const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
        throw new ApiError(429, 'too_many_sign_in_links', `this address asked for ${REQUESTS_PER_WINDOW} sign-in links in ${SIGN_IN_LINK_MINUTES} minutes: use the latest, or ask again in ${retryAfterSeconds} s`, undefined, retryAfterSeconds);
      }
      // Every request makes a link, whoever asks, so the limit counts an unknown address as it counts
      // a known one; only an address that may sign in is sent its link, and an unknown one's is never seen.
      const link = await issueSignInLink(db, { email, nextPath, purpose: 'requested', publicBaseUrl: config.publicUrl, now });
      const identity = await signInIdentity(db, email, config.signIn.adminEmails);
      if (!identity) {
        request.log.info({ email }, 'sign-in link asked for an address that may not sign in: not sent');
        return reply.code(202).send({ message: ASKED });
      }
      const zone = (identity.csmId === null ? null : await timeZoneOfCsm(db, identity.csmId)) ?? config.timeZone;
      mail.send({ idempotencyKey: `sign-in-link-${link.id}`, to: email, ...signInEmail(link, zone) }, request.log);
      return reply.code(202).send({ message: ASKED });
    },
  );

  app.get(
    '/auth/verify',
    {
      config: { access: publicRoute('the link in a sign-in email; its one-time token is the proof') },
      schema: {
        tags: ['sign-in'],
        summary: 'use a sign-in link: opens a session (cookie) and redirects into the web app',
        description:
          `303 to the link's page under ${APP_HOME}, with the session cookie set. A used, expired or unknown link redirects to ${SIGN_IN_PAGE}?error=link_used|link_expired|link_invalid&next=…; ` +
          "a browser already signed in as the link's address is just redirected, and the link is left unused.",
        security: [],
        querystring: z.object({ token: z.string().max(200).optional() }),
      },
    },
    async (request, reply) => {
      const token = request.query.token ?? '';
      const now = new Date();
      const current = await sessionOfRequest(db, config, request, now);
      if (current && token !== '') {
        const link = await findSignInLink(db, token);
        if (link && link.email === current.email) return reply.redirect(appPath(link.next_path) ?? APP_HOME, 303);
      }
      const outcome = await inTransaction(db, async (trx) => {
        const used: Awaited<ReturnType<typeof useSignInLink>> = token === '' ? { refused: 'link_invalid' } : await useSignInLink(trx, token, now);
        if ('refused' in used) return used;
        // Who may sign in is decided now: an address that is no longer a CSM's or an admin's opens nothing.
        const identity = await signInIdentity(trx, used.link.email, config.signIn.adminEmails);
        if (!identity) return { refused: 'link_invalid' as const, link: used.link };
        const session = await createWebSession(trx, { ...identity, validForMs: config.signIn.sessionHours * 3_600_000, now });
        return { session, link: used.link };
      });
      if ('refused' in outcome) {
        request.log.info({ refused: outcome.refused, linkId: outcome.link?.id }, 'sign-in link refused');
        return reply.redirect(signInPage(outcome.refused, outcome.link?.next_path), 303);
      }
      // Signing in as someone else in the same browser ends the session it had.
      if (current) await revokeWebSession(db, current.id, now);
      setSessionCookie(reply, config, outcome.session.token, outcome.session.expiresAt);
      request.log.info({ linkId: outcome.link.id, sessionId: outcome.session.id }, 'signed in');
      await forgetEndedSignIns(db, now);
      return reply.redirect(appPath(outcome.link.next_path) ?? APP_HOME, 303);
    },
  );

  app.get(
    '/auth/session',
    {
      config: { access: publicRoute("the web app asks who is signed in; the answer is the session cookie's own, or 401") },
      schema: {
        tags: ['sign-in'],
        summary: 'who is signed in, and the CSRF token to send with changes',
        security: [],
        response: { 200: sessionSchema, 401: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const session = await sessionOfRequest(db, config, request);
      if (!session) {
        clearSessionCookie(reply, config);
        throw new ApiError(401, 'unauthenticated', 'nobody is signed in in this browser, or the session has expired');
      }
      const person = await signedInPerson(db, session);
      return {
        email: session.email,
        name: person.name,
        role: session.role,
        csmId: session.csm_id,
        isManager: person.isManager,
        csrfToken: session.csrf_token,
        expiresAt: session.expires_at.toISOString(),
      };
    },
  );

  app.post(
    '/auth/sign-out',
    {
      config: { access: publicRoute('ends the session of the cookie it comes with; a live session must also send its CSRF token') },
      schema: {
        tags: ['sign-in'],
        summary: "end this browser's session",
        security: [],
        response: { 204: z.null(), 403: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const session = await sessionOfRequest(db, config, request);
      if (session) {
        checkCsrf(request, session, config);
        await revokeWebSession(db, session.id, new Date());
      }
      clearSessionCookie(reply, config);
      return reply.code(204).send(null);
    },
  );
}

function signInPage(error: SignInLinkRefusal, nextPath: string | undefined): string {
  const query = new URLSearchParams({ error, next: (nextPath === undefined ? undefined : appPath(nextPath)) ?? APP_HOME });
  return `${SIGN_IN_PAGE}?${query.toString()}`;
}

/**
 * Links and sessions that can never open anything again are kept a day (for a look beside the
 * logs), then deleted as people sign in, so neither table grows without end.
 */
async function forgetEndedSignIns(db: Kysely<Database>, now: Date): Promise<void> {
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await deleteExpiredSignInLinks(db, dayAgo);
  await deleteEndedWebSessions(db, dayAgo);
}
