import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import { npmStarter, type StartedNpsloop } from '../helpers/npm-start.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { JAVASCRIPT_BUDGET_BYTES, PageChecks, type VisitOptions } from './page-checks.ts';

/** Debian's Chromium unless CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface OutboxEmail {
  file: string;
  to: string;
  subject: string;
  text: string;
}

export interface SignedIn {
  context: BrowserContext;
  page: Page;
  checks: PageChecks;
}

export interface BrowserStack {
  npsloop: StartedNpsloop;
  dataDir: string;
  browser: Browser;
  /**
   * Where people's browsers reach npsloop: the address its emails' links name (NPSLOOP_PUBLIC_URL's
   * default, localhost on the API's port), so the session cookie they set is sent on every page.
   */
  appUrl: string;
  /** The API as the admin token calls it; the answer's body parsed when it is JSON. */
  api: <T = any>(method: string, url: string, body?: unknown) => Promise<{ status: number; body: T }>;
  /** A signed Standard Webhooks delivery to /webhooks/generic, as a survey tool sends it. */
  sendGenericWebhook: (payload: Record<string, unknown>, eventId: string) => Promise<Response>;
  /** Waits (bounded) for an email in the outbox that `matches`, among those not taken by an earlier call. */
  waitForEmail: (what: string, matches: (email: OutboxEmail) => boolean) => Promise<OutboxEmail>;
  /** A fresh browser (own cookies and cache), signed in as nobody, its pages' paths relative to appUrl. */
  newBrowser: () => Promise<SignedIn>;
  /** A fresh browser signed in as `email` the way a person does, on `next`. */
  signIn: (email: string, next?: string) => Promise<SignedIn>;
  /** A fresh browser that opens a sign-in link (a printed one, an email's) and is signed in by it. */
  signInWithLink: (link: string) => Promise<SignedIn>;
  /** The admin's sign-in link, as npm start prints it. */
  printedAdminSignInLink: () => Promise<string>;
  /**
   * A page's first visit: in a fresh browser (empty cache) holding `signedIn`'s session, `path` is
   * opened and checked (see PageChecks.visit), and the JavaScript it loaded must be some, and under
   * JAVASCRIPT_BUDGET_BYTES gzipped; resolves with its size.
   */
  firstVisit: (signedIn: SignedIn, path: string, name: string, options: VisitOptions) => Promise<SignedIn & { javaScriptGzipBytes: number; scripts: string[] }>;
  /** Fails if anything went wrong in any browser since its last check: for afterEach, so nothing after a test's last check slips by. */
  assertNoProblemsAnywhere: () => void;
  stop: () => Promise<void>;
}

/** The first link in a text that a sign-in or task email carries: one that opens a session. */
export function signInLinkIn(text: string): string | undefined {
  return /https?:\/\/\S+\/auth\/verify\?token=[^\s>)\]]+/.exec(text)?.[0];
}

/**
 * The whole stack as `npm start` starts it (own data folder, free ports, PGlite, the embedded
 * Temporal dev server, the demo unless `demo` is false), and Debian's Chromium to drive it.
 * Once per test file: its beforeAll starts it, its afterAll stops it.
 */
export async function startBrowserStack({ demo = true }: { demo?: boolean } = {}): Promise<BrowserStack> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`the browser tests need Chromium, and there is none at ${CHROMIUM_PATH}: install Debian's (apt-get install chromium), or set CHROMIUM_PATH to another Chromium`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-browser-'));
  const { npmStart, stopAll } = npmStarter(dataDir);
  let browser: Browser | undefined;
  const contexts = new Set<BrowserContext>();
  const watched = new Set<PageChecks>();
  const stop = async () => {
    await Promise.all([...contexts].map((context) => context.close().catch(() => undefined)));
    await browser?.close().catch(() => undefined);
    await stopAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [npsloop, launched] = await Promise.all([npmStart(...(demo ? [] : ['--no-demo'])), chromium.launch({ executablePath: CHROMIUM_PATH })]);
    browser = launched;
    const appUrl = `http://localhost:${new URL(npsloop.apiUrl).port}`;
    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const webhookSecret = fs.readFileSync(path.join(dataDir, 'webhook-secret-generic'), 'utf8').trim();
    const outbox = path.join(dataDir, 'outbox');
    const taken = new Set<string>();
    const parsed = new Map<string, OutboxEmail>();

    const api: BrowserStack['api'] = async (method, url, body) => {
      const response = await fetch(`${npsloop.apiUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    };

    const sendGenericWebhook: BrowserStack['sendGenericWebhook'] = (payload, eventId) => {
      const body = JSON.stringify(payload);
      return fetch(`${npsloop.apiUrl}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...standardWebhookHeaders(webhookSecret, body, { id: eventId }) },
        body,
      });
    };

    async function readOutbox(): Promise<OutboxEmail[]> {
      // Files appear by rename, whole; dot-files are ones still being written.
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((file) => file.endsWith('.eml') && !file.startsWith('.')) : [];
      for (const file of files) {
        if (parsed.has(file)) continue;
        const mail = await simpleParser(fs.readFileSync(path.join(outbox, file)));
        const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((address) => address.value.map((a) => a.address ?? '')).join(', ');
        parsed.set(file, { file, to, subject: mail.subject ?? '', text: mail.text ?? '' });
      }
      return files.map((file) => parsed.get(file)!);
    }

    const waitForEmail: BrowserStack['waitForEmail'] = async (what, matches) => {
      const email = await waitFor(async () => (await readOutbox()).find((candidate) => !taken.has(candidate.file) && matches(candidate)), what, 60, { intervalMs: 200 });
      taken.add(email.file);
      return email;
    };

    async function newContext(storageState?: Awaited<ReturnType<BrowserContext['storageState']>>): Promise<SignedIn> {
      const context = await browser!.newContext({ baseURL: appUrl, viewport: { width: 1280, height: 900 }, ...(storageState ? { storageState } : {}) });
      contexts.add(context);
      context.once('close', () => contexts.delete(context));
      // Bounded waits everywhere: a 2-core machine running other suites is slow, never stuck.
      context.setDefaultTimeout(30_000);
      context.setDefaultNavigationTimeout(60_000);
      const page = await context.newPage();
      const checks = new PageChecks(page);
      watched.add(checks);
      return { context, page, checks };
    }

    const signIn: BrowserStack['signIn'] = async (email, next = '/app/') => {
      const signedIn = await newContext();
      const { page, checks } = signedIn;
      // Nobody is signed in yet: the app asks who is, and is told 401; that is how it knows to show the form.
      checks.expectFailure({ status: 401, url: /\/auth\/session$/ });
      await checks.visit(`/app/sign-in?next=${encodeURIComponent(next)}`, 'sign-in', { ready: () => page.getByLabel('Work email'), screenshots: false });
      await page.getByLabel('Work email').fill(email);
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.getByRole('status').filter({ hasText: 'a link is on its way' }).waitFor();
      const sent = await waitForEmail(`the sign-in email to ${email}`, (candidate) => candidate.to === email && candidate.subject === 'Your npsloop sign-in link');
      const link = signInLinkIn(sent.text);
      if (!link) throw new Error(`the sign-in email to ${email} has no sign-in link:\n${sent.text}`);
      checks.clearExpectedFailures();
      await openSignInLink(signedIn, link);
      const landed = new URL(page.url());
      if (!(landed.pathname + landed.search).startsWith(next)) throw new Error(`signing in as ${email} led to ${page.url()}, not ${next}`);
      return signedIn;
    };

    async function openSignInLink(signedIn: SignedIn, link: string): Promise<void> {
      await signedIn.page.goto(link);
      // Signed in: the header every signed-in page shares, on the page the link named (or one it
      // leads to; while the router swaps one lazy page for the next, both are in the document).
      await signedIn.page.getByRole('button', { name: 'Sign out' }).first().waitFor();
      signedIn.checks.assertNoProblems(`signing in with ${link}`);
    }

    const signInWithLink: BrowserStack['signInWithLink'] = async (link) => {
      const signedIn = await newContext();
      await openSignInLink(signedIn, link);
      return signedIn;
    };

    const assertNoProblemsAnywhere = () => {
      for (const checks of watched) checks.assertNoProblems(`after the test, in the browser at ${checks.page.url()}`);
    };

    const printedAdminSignInLink = () =>
      waitFor(async () => signInLinkIn(npsloop.output()), 'npm start to print the admin sign-in link', 30);

    const firstVisit: BrowserStack['firstVisit'] = async (signedIn, pagePath, name, options) => {
      const fresh = await newContext(await signedIn.context.storageState());
      const visit = await fresh.checks.visit(pagePath, name, options);
      if (visit.scripts.length === 0 || visit.javaScriptGzipBytes >= JAVASCRIPT_BUDGET_BYTES) {
        throw new Error(`the ${name} page's first load has ${visit.javaScriptGzipBytes} bytes of JavaScript (gzip), not some under ${JAVASCRIPT_BUDGET_BYTES}: ${visit.scripts.join(', ')}`);
      }
      return { ...fresh, ...visit };
    };

    return { npsloop, dataDir, browser, appUrl, api, sendGenericWebhook, waitForEmail, newBrowser: () => newContext(), signIn, signInWithLink, printedAdminSignInLink, firstVisit, assertNoProblemsAnywhere, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
