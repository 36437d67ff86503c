import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { appPath } from '../../sign-in/next-path.ts';
import { issueSignInLink } from '../../sign-in/sign-in-links.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { bearer, createTestApi, testConfig } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ADMIN = 'boss@cs.example';
const COOKIE = 'npsloop_session';
const MINUTE_MS = 60_000;

/** A client whose every call fails to connect: sign-in and reads signal no workflow. */
const unreachableTemporal = () => new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' }) });

const json = { 'content-type': 'application/json' };

describe('appPath', () => {
  it('takes paths of the web app and nothing that leaves it', () => {
    expect(appPath('/app/')).toBe('/app/');
    expect(appPath('/app/tasks/12?tab=history#top')).toBe('/app/tasks/12?tab=history#top');
    for (const elsewhere of ['//evil.com', 'https://evil.com', 'https://evil.com/app/', '/\\evil.com', '/app', '/api/tasks', '/app/../openapi.json', '/app/\r\nx', 'javascript:alert(1)', '']) {
      expect(appPath(elsewhere), elsewhere).toBeUndefined();
    }
  });
});

describeEachBackend('signing in to the web app', (db) => {
  let app: ApiApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Ann and Ben, CSMs with a detractor's open task each; an admin by configuration; the API over them. */
  async function setUp(k: Kysely<Database>, env: Record<string, string> = {}) {
    const ann = await seedEnrolledDetractor(k, { csmEmail: 'ann@cs.example', userEmail: 'bo@acme.example', accountName: 'Acme' });
    const ben = await seedEnrolledDetractor(k, { csmEmail: 'ben@cs.example', userEmail: 'cy@globex.example', accountName: 'Globex' });
    const annTask = await seedTask(k, ann);
    const benTask = await seedTask(k, ben);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-sign-in-'));
    const config = testConfig({ NPSLOOP_DATA_DIR: dataDir, NPSLOOP_ADMIN_EMAILS: `${ADMIN}, Other.Admin@cs.example`, ...env });
    app = await createTestApi(k, { temporal: unreachableTemporal(), config });
    return { ann, ben, annTask, benTask, app, config };
  }

  const askForLink = (app: ApiApp, email: string, next?: string) =>
    app.inject({ method: 'POST', url: '/auth/sign-in-links', headers: json, payload: { email, ...(next === undefined ? {} : { next }) } });

  /** The link in the sign-in email sent to `email`, once it is sent. */
  async function linkSentTo(k: Kysely<Database>, email: string, count = 1): Promise<string> {
    const emails = await waitFor(async () => {
      const rows = await k.selectFrom('emails').selectAll().where('to_address', '=', email).where('status', '=', 'sent').orderBy('id').execute();
      return rows.length >= count ? rows : undefined;
    }, `the sign-in email to ${email}`);
    const body = emails.at(-1)!.body_text;
    return /http:\/\/\S+\/auth\/verify\?token=[\w-]+/.exec(body)![0];
  }

  const pathOf = (url: string) => {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  };

  /** Uses a link; returns where it leads and the session cookie it set, if any. */
  async function follow(app: ApiApp, link: string, cookie?: string) {
    const response = await app.inject({ method: 'GET', url: pathOf(link), ...(cookie ? { cookies: { [COOKIE]: cookie } } : {}) });
    expect(response.statusCode, response.body).toBe(303);
    const set = response.cookies.find((c) => c.name === COOKIE);
    return { location: response.headers.location as string, cookie: set?.value, setCookie: set, header: response.headers['set-cookie'] };
  }

  async function signIn(app: ApiApp, k: Kysely<Database>, email: string, next?: string) {
    const before = await k.selectFrom('emails').select('id').where('to_address', '=', email).execute();
    expect((await askForLink(app, email, next)).statusCode).toBe(202);
    const { cookie, location } = await follow(app, await linkSentTo(k, email, before.length + 1));
    expect(cookie).toBeDefined();
    const session = await app.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: cookie! } });
    expect(session.statusCode).toBe(200);
    return { cookie: cookie!, csrf: session.json().csrfToken as string, location };
  }

  it('signs a CSM in from the emailed link, and the session sees what their token would', async () => {
    const k = db().kysely;
    const { ann, ben, annTask, benTask, app } = await setUp(k);
    const asked = await askForLink(app, 'Ann@CS.example', `/app/tasks/${annTask.id}`);
    expect(asked.statusCode).toBe(202);
    expect(asked.json().message).toMatch(/sign-in link is on its way/);

    const link = await linkSentTo(k, 'ann@cs.example');
    const email = await k.selectFrom('emails').selectAll().where('to_address', '=', 'ann@cs.example').executeTakeFirstOrThrow();
    expect(email.subject).toBe('Your npsloop sign-in link');
    expect(email.body_text).toContain('It works once, until');
    expect(email.body_text).toContain('15 minutes');
    expect(email.body_text).toMatch(/If you did not ask to sign in, ignore this email/);
    expect(email.body_html).toContain(link.replaceAll('&', '&amp;'));
    expect(link.startsWith('http://localhost:3000/auth/verify?token=')).toBe(true);

    const { location, setCookie, cookie } = await follow(app, link);
    expect(location).toBe(`/app/tasks/${annTask.id}`);
    expect(setCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(setCookie!.secure).toBeUndefined();
    const sessionRow = await k.selectFrom('web_sessions').selectAll().executeTakeFirstOrThrow();
    expect(sessionRow.expires_at.getTime() - sessionRow.created_at.getTime()).toBe(12 * 60 * MINUTE_MS);

    const session = await app.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: cookie! } });
    expect(session.statusCode).toBe(200);
    expect(session.json()).toMatchObject({ email: 'ann@cs.example', name: expect.stringMatching(/^CSM /), role: 'csm', csmId: ann.csm.id, isManager: false, csrfToken: expect.any(String) });

    const withCookie = { cookies: { [COOKIE]: cookie! } };
    const tasks = await app.inject({ method: 'GET', url: '/tasks', ...withCookie });
    expect(tasks.statusCode, tasks.body).toBe(200);
    expect(tasks.json().tasks.map((t: { id: number }) => t.id)).toEqual([annTask.id]);
    expect((await app.inject({ method: 'GET', url: `/tasks/${annTask.id}`, ...withCookie })).statusCode).toBe(200);
    // Ben's task and account answer as they do to Ann's csm token.
    const annToken = (await createApiToken(k, { name: 'ann', role: 'csm', csmId: ann.csm.id })).token;
    for (const url of [`/tasks/${benTask.id}`, `/accounts/${ben.accountId}/nps`, '/goals', '/rules']) {
      const bySession = await app.inject({ method: 'GET', url, ...withCookie });
      const byToken = await app.inject({ method: 'GET', url, headers: bearer(annToken) });
      expect(bySession.statusCode, url).toBe(byToken.statusCode);
      expect(bySession.json().error?.code, url).toBe(byToken.json().error?.code);
    }
    expect((await app.inject({ method: 'GET', url: `/tasks/${benTask.id}`, ...withCookie })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/rules', ...withCookie })).statusCode).toBe(403);
  });

  it('signs an admin in, who sees everything and is named by their email in what they change', async () => {
    const k = db().kysely;
    const { annTask, benTask, app } = await setUp(k);
    const { cookie, csrf, location } = await signIn(app, k, ADMIN);
    expect(location).toBe('/app/');
    const withCookie = { cookies: { [COOKIE]: cookie } };
    const me = await app.inject({ method: 'GET', url: '/auth/session', ...withCookie });
    expect(me.json()).toMatchObject({ email: ADMIN, name: null, role: 'admin', csmId: null, isManager: false });
    expect((await app.inject({ method: 'GET', url: '/tasks', ...withCookie })).json().tasks.map((t: { id: number }) => t.id).sort()).toEqual([annTask.id, benTask.id].sort());
    expect((await app.inject({ method: 'GET', url: '/rules', ...withCookie })).statusCode).toBe(200);
    const goal = { name: 'Company at least 30', scope: { kind: 'company' }, period: 'quarter', target: { kind: 'at_least', nps: 30 } };
    const created = await app.inject({ method: 'POST', url: '/goals', headers: { ...json, 'x-csrf-token': csrf }, payload: goal, ...withCookie });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().createdBy).toBe(ADMIN);
  });

  it('tells a manager they have a team', async () => {
    const k = db().kysely;
    const { ann, ben, app } = await setUp(k);
    await k.updateTable('csms').set({ manager_id: ann.csm.id }).where('id', '=', ben.csm.id).execute();
    const { cookie } = await signIn(app, k, 'ann@cs.example');
    expect((await app.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: cookie } })).json()).toMatchObject({ role: 'csm', isManager: true });
  });

  it('opens one session from a link, however many requests race to use it', async () => {
    const k = db().kysely;
    const { app } = await setUp(k);
    await askForLink(app, 'ann@cs.example');
    const link = pathOf(await linkSentTo(k, 'ann@cs.example'));
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'GET', url: link })));
    const locations = answers.map((answer) => answer.headers.location as string).sort();
    expect(locations).toEqual(['/app/', '/app/sign-in?error=link_used&next=%2Fapp%2F', '/app/sign-in?error=link_used&next=%2Fapp%2F']);
    expect(answers.filter((answer) => answer.cookies.some((c) => c.name === COOKIE && c.value !== ''))).toHaveLength(1);
    expect(await k.selectFrom('web_sessions').select('id').execute()).toHaveLength(1);
  });

  it('refuses an expired, used or unknown link, saying which and keeping where it led', async () => {
    const k = db().kysely;
    const { annTask, app } = await setUp(k);
    const now = Date.now();
    const issued = await issueSignInLink(k, { email: 'ann@cs.example', nextPath: `/app/tasks/${annTask.id}`, purpose: 'requested', publicBaseUrl: 'http://localhost:3000', now: new Date(now - 16 * MINUTE_MS) });
    expect(issued.expiresAt.getTime()).toBe(now - MINUTE_MS);
    expect((await follow(app, issued.url)).location).toBe(`/app/sign-in?error=link_expired&next=%2Fapp%2Ftasks%2F${annTask.id}`);

    const fresh = await issueSignInLink(k, { email: 'ann@cs.example', nextPath: '/app/accounts', purpose: 'requested', publicBaseUrl: 'http://localhost:3000' });
    const first = await follow(app, fresh.url);
    expect(first.location).toBe('/app/accounts');
    // Used again in another browser (no session): refused.
    expect((await follow(app, fresh.url)).location).toBe('/app/sign-in?error=link_used&next=%2Fapp%2Faccounts');
    expect((await follow(app, 'http://localhost:3000/auth/verify?token=not-a-token')).location).toBe('/app/sign-in?error=link_invalid&next=%2Fapp%2F');
    expect((await follow(app, 'http://localhost:3000/auth/verify')).location).toBe('/app/sign-in?error=link_invalid&next=%2Fapp%2F');
    expect(await k.selectFrom('web_sessions').select('id').execute()).toHaveLength(1);
  });

  it('forgets links and sessions a day after they can no longer open anything, as people sign in', async () => {
    const k = db().kysely;
    const { app } = await setUp(k);
    const now = Date.now();
    const longExpired = await issueSignInLink(k, { email: 'ann@cs.example', nextPath: '/app/', purpose: 'requested', publicBaseUrl: 'http://localhost:3000', now: new Date(now - 2 * 86_400_000) });
    const justExpired = await issueSignInLink(k, { email: 'ann@cs.example', nextPath: '/app/', purpose: 'requested', publicBaseUrl: 'http://localhost:3000', now: new Date(now - 16 * MINUTE_MS) });
    const old = await signIn(app, k, 'ann@cs.example');
    await sql`update web_sessions set expires_at = now() - interval '25 hours'`.execute(k);
    const oldIds = (await k.selectFrom('web_sessions').select('id').execute()).map((row) => row.id);

    await signIn(app, k, 'ben@cs.example');
    const links = (await k.selectFrom('sign_in_links').select('id').execute()).map((row) => row.id);
    expect(links).not.toContain(longExpired.id);
    expect(links).toContain(justExpired.id);
    const sessions = (await k.selectFrom('web_sessions').select('id').execute()).map((row) => row.id);
    expect(sessions).toHaveLength(1);
    expect(sessions).not.toContain(oldIds[0]);
    expect((await app.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: old.cookie } })).statusCode).toBe(401);
  });

  it('lets a browser already signed in as the address follow its link again without using it', async () => {
    const k = db().kysely;
    const { annTask, app } = await setUp(k);
    const { cookie } = await signIn(app, k, 'ann@cs.example');
    const taskLink = await issueSignInLink(k, { email: 'ann@cs.example', nextPath: `/app/tasks/${annTask.id}`, purpose: 'task_email', publicBaseUrl: 'http://localhost:3000' });
    const again = await follow(app, taskLink.url, cookie);
    expect(again.location).toBe(`/app/tasks/${annTask.id}`);
    expect(again.cookie).toBeUndefined();
    expect((await k.selectFrom('sign_in_links').select('used_at').where('id', '=', taskLink.id).executeTakeFirstOrThrow()).used_at).toBeNull();
    // Another address's link in the same browser signs that person in instead, ending the first session.
    const bens = await issueSignInLink(k, { email: 'ben@cs.example', nextPath: '/app/', purpose: 'requested', publicBaseUrl: 'http://localhost:3000' });
    const switched = await follow(app, bens.url, cookie);
    expect(switched.cookie).toBeDefined();
    expect((await app.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: cookie } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: switched.cookie! } })).json().email).toBe('ben@cs.example');
  });

  it('answers an address that may not sign in as any other, and sends it nothing', async () => {
    const k = db().kysely;
    const { app: server } = await setUp(k);
    const known = await askForLink(server, 'ann@cs.example');
    const unknown = await askForLink(server, 'nobody@cs.example');
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual(known.json());
    await linkSentTo(k, 'ann@cs.example');
    await server.close(); // waits for every email under way
    app = undefined;
    expect(await k.selectFrom('emails').select('to_address').execute()).toEqual([{ to_address: 'ann@cs.example' }]);
  });

  it('limits how many links an address may ask for, known or not', async () => {
    const k = db().kysely;
    const { app } = await setUp(k);
    for (const email of ['ann@cs.example', 'nobody@cs.example']) {
      for (let i = 0; i < 5; i++) expect((await askForLink(app, email)).statusCode, `${email} #${i + 1}`).toBe(202);
      const refused = await askForLink(app, email.toUpperCase());
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('too_many_sign_in_links');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(14 * 60);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    }
    // Links from task emails and from npsloop itself are not asked for, and do not count.
    await sql`update sign_in_links set created_at = now() - interval '16 minutes' where email = 'ben@cs.example'`.execute(k);
    for (let i = 0; i < 6; i++) await issueSignInLink(k, { email: 'ben@cs.example', nextPath: '/app/', purpose: 'task_email', publicBaseUrl: 'http://localhost:3000' });
    expect((await askForLink(app, 'ben@cs.example')).statusCode).toBe(202);
  });

  it('refuses a next page outside the web app', async () => {
    const k = db().kysely;
    const { app } = await setUp(k);
    for (const next of ['//evil.com', 'https://evil.com', 'https://evil.com/app/', '/\\evil.com', '/api/tasks', '/app/../openapi.json']) {
      const response = await askForLink(app, 'ann@cs.example', next);
      expect(response.statusCode, next).toBe(400);
      expect(response.json().error.issues).toEqual([{ path: 'body.next', message: expect.stringContaining('/app/') }]);
    }
    expect(await k.selectFrom('sign_in_links').select('id').execute()).toEqual([]);
  });

  it("refuses a signed-in change without the session's CSRF token or from another site, and takes bearer tokens as before", async () => {
    const k = db().kysely;
    const { app } = await setUp(k);
    const { cookie, csrf } = await signIn(app, k, ADMIN);
    const goal = (name: string) => ({ name, scope: { kind: 'company' }, period: 'quarter', target: { kind: 'at_least', nps: 30 } });
    const post = (headers: Record<string, string>, name: string) =>
      app.inject({ method: 'POST', url: '/goals', headers: { ...json, ...headers }, payload: goal(name), cookies: { [COOKIE]: cookie } });
    for (const [headers, why] of [
      [{}, 'no token'],
      [{ 'x-csrf-token': `${csrf.slice(0, -1)}x` }, 'a wrong token'],
      [{ 'x-csrf-token': 'short' }, 'a token of another length'],
      [{ 'x-csrf-token': csrf, origin: 'https://evil.com' }, 'another site'],
    ] as const) {
      const refused = await post(headers, why);
      expect(refused.statusCode, why).toBe(403);
      expect(refused.json().error.code, why).toBe('csrf_failed');
    }
    expect(await k.selectFrom('goals').select('id').execute()).toEqual([]);
    expect((await post({ 'x-csrf-token': csrf, origin: 'http://localhost:3000' }, 'public origin')).statusCode).toBe(201);
    expect((await post({ 'x-csrf-token': csrf, origin: 'http://nps.internal:8080', host: 'nps.internal:8080' }, 'own host')).statusCode).toBe(201);
    expect((await post({ 'x-csrf-token': csrf }, 'no origin')).statusCode).toBe(201);
    // Reads need no token; a bearer token needs none and wins over the cookie.
    expect((await app.inject({ method: 'GET', url: '/goals', cookies: { [COOKIE]: cookie } })).statusCode).toBe(200);
    const admin = await createApiToken(k, { name: 'ops script', role: 'admin' });
    const byToken = await app.inject({ method: 'POST', url: '/goals', headers: { ...json, ...bearer(admin.token) }, payload: goal('by token'), cookies: { [COOKIE]: cookie } });
    expect(byToken.statusCode).toBe(201);
    expect(byToken.json().createdBy).toBe('ops script');
    const csm = await createApiToken(k, { name: 'ann', role: 'csm', csmId: (await k.selectFrom('csms').select('id').where('email', '=', 'ann@cs.example').executeTakeFirstOrThrow()).id });
    expect((await app.inject({ method: 'GET', url: '/rules', headers: bearer(csm.token), cookies: { [COOKIE]: cookie } })).statusCode).toBe(403);
  });

  it('signs out: the session ends, the cookie is cleared, and signing out needs the CSRF token too', async () => {
    const k = db().kysely;
    const { app } = await setUp(k);
    const { cookie, csrf } = await signIn(app, k, 'ann@cs.example');
    const withCookie = { cookies: { [COOKIE]: cookie } };
    const forged = await app.inject({ method: 'POST', url: '/auth/sign-out', ...withCookie });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf_failed');
    expect((await app.inject({ method: 'GET', url: '/tasks', ...withCookie })).statusCode).toBe(200);

    const out = await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { 'x-csrf-token': csrf }, ...withCookie });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === COOKIE)).toMatchObject({ value: '', path: '/' });
    expect((await app.inject({ method: 'GET', url: '/auth/session', ...withCookie })).statusCode).toBe(401);
    const after = await app.inject({ method: 'GET', url: '/tasks', ...withCookie });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
  });

  it('ends a session when it expires, when its CSM is gone, or when its admin is no longer listed', async () => {
    const k = db().kysely;
    const { ann, app: server, config } = await setUp(k, { NPSLOOP_SESSION_HOURS: '2' });
    const annSession = await signIn(server, k, 'ann@cs.example');
    const row = await k.selectFrom('web_sessions').selectAll().executeTakeFirstOrThrow();
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(2 * 60 * MINUTE_MS);
    // Two hours later, however active it was.
    await sql`update web_sessions set expires_at = now() - interval '1 second' where id = ${row.id}`.execute(k);
    const expired = await server.inject({ method: 'GET', url: '/tasks', cookies: { [COOKIE]: annSession.cookie } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toMatch(/expired/);
    expect((await server.inject({ method: 'GET', url: '/auth/session', cookies: { [COOKIE]: annSession.cookie } })).statusCode).toBe(401);

    const again = await signIn(server, k, 'ann@cs.example');
    await k.updateTable('csms').set({ email: 'ann.new@cs.example' }).where('id', '=', ann.csm.id).execute();
    expect((await server.inject({ method: 'GET', url: '/tasks', cookies: { [COOKIE]: again.cookie } })).statusCode).toBe(401);

    const admin = await signIn(server, k, 'other.admin@cs.example');
    expect((await server.inject({ method: 'GET', url: '/rules', cookies: { [COOKIE]: admin.cookie } })).statusCode).toBe(200);
    await server.close();
    app = await createTestApi(k, { temporal: unreachableTemporal(), config: { ...config, signIn: { ...config.signIn, adminEmails: [ADMIN] } } });
    expect((await app.inject({ method: 'GET', url: '/rules', cookies: { [COOKIE]: admin.cookie } })).statusCode).toBe(401);
  });

  it('sets a Secure cookie when browsers reach npsloop over https', async () => {
    const k = db().kysely;
    const { app } = await setUp(k, { NPSLOOP_PUBLIC_URL: 'https://nps.acme.example' });
    await askForLink(app, ADMIN);
    const email = await waitFor(() => k.selectFrom('emails').select('body_text').where('status', '=', 'sent').executeTakeFirst(), 'the sign-in email');
    const link = /https:\/\/nps\.acme\.example\/auth\/verify\?token=[\w-]+/.exec(email.body_text)![0];
    const response = await app.inject({ method: 'GET', url: pathOf(link) });
    expect(response.cookies.find((c) => c.name === COOKIE)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
  });

  it('works in a real browser round trip: a socket, a cookie jar, redirects', async () => {
    const k = db().kysely;
    const { annTask, benTask, app } = await setUp(k);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const jar = new Map<string, string>();
    const send = async (url: string, init: RequestInit = {}) => {
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await fetch(new URL(url, base), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value] = pair!.split('=') as [string, string];
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
        else jar.set(name, value);
      }
      return response;
    };

    const asked = await send('/auth/sign-in-links', { method: 'POST', headers: json, body: JSON.stringify({ email: 'ann@cs.example', next: `/app/tasks/${annTask.id}` }) });
    expect(asked.status).toBe(202);
    const verified = await send(pathOf(await linkSentTo(k, 'ann@cs.example')));
    expect(verified.status).toBe(303);
    expect(verified.headers.get('location')).toBe(`/app/tasks/${annTask.id}`);
    expect(verified.headers.getSetCookie()[0]).toMatch(/^npsloop_session=[\w-]+; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/);
    expect(jar.has(COOKIE)).toBe(true);

    const session = (await (await send('/auth/session')).json()) as { email: string; csrfToken: string };
    expect(session.email).toBe('ann@cs.example');
    expect((await send(`/tasks/${annTask.id}`)).status).toBe(200);
    expect((await send(`/tasks/${benTask.id}`)).status).toBe(404);
    const changeWithout = await send(`/tasks/${annTask.id}/complete`, { method: 'POST', headers: json, body: JSON.stringify({ outcome: 'called' }) });
    expect(changeWithout.status).toBe(403);
    // A browser sends its page's Origin with a POST: the API's own address is npsloop's.
    expect((await send('/auth/sign-out', { method: 'POST', headers: { 'x-csrf-token': session.csrfToken, origin: 'https://evil.com' } })).status).toBe(403);
    expect((await send('/auth/sign-out', { method: 'POST', headers: { 'x-csrf-token': session.csrfToken, origin: base } })).status).toBe(204);
    expect(jar.has(COOKIE)).toBe(false);
    expect((await send('/auth/session')).status).toBe(401);
  });
});
