/**
 * npm run bench:web-grid — the web app's accounts grid with 5,000 accounts, in Debian's Chromium
 * against npsloop's own server: how long a click on a column header takes until the sorted grid
 * is painted, with all 5,000 accounts shown and, in the same run and page, with a search that
 * leaves about a hundred. A grid that renders only the rows in view costs nearly the same either
 * way; one that renders every row costs ~50 times more.
 * Last line: {"accounts", "first_render_ms", "sort_all_ms" and "sort_few_ms" (medians, click to
 * painted frame), "ratio" = sort_all_ms / sort_few_ms (target <= 3), "sort_all_within_100ms_frame"}.
 */
import { sql } from 'kysely';
import { chromium } from 'playwright-core';
import { SESSION_COOKIE } from '../api/auth/web-session.ts';
import { createWebSession } from '../db/queries/web-sessions.ts';
import { buildWebAppIfStale } from '../web/build-web-app.mjs';
import { Client } from '@temporalio/client';
import { createServer } from '../api/create-server.ts';
import { loadConfig } from '../config/config.ts';
import { openBenchDatabase, printResult, seedInstance } from './support/bench-database.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5_000);
const ADMIN = 'bench-admin@cs.example';
const SORTS = ['NPS', 'n', '± margin', 'Account', 'CSM'];
const ROUNDS = 5;

/** What the functions evaluated in the page use there (the project's TypeScript has no DOM types). */
interface InPage {
  document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null; click(): void }> };
  requestAnimationFrame: (callback: () => void) => number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(run: BenchRun): Promise<void> {
  const { db, backend } = await openBenchDatabase('web-grid', run);
  const k = db.kysely;
  process.stderr.write(`seeding ${ACCOUNTS} accounts with 4 users and their answers each\n`);
  await seedInstance(db, ACCOUNTS, ACCOUNTS * 4);
  await sql`
    insert into nps_responses (user_id, account_id, csm_id, score, responded_at, received_at, source, source_response_id)
    select u.id, u.account_id, null, (u.id * 7) % 11, now() - ((u.id % 80) * interval '1 day'), now(), 'csv', 'r' || u.id
    from users u
  `.execute(k);
  await buildWebAppIfStale({ log: (line) => process.stderr.write(`${line}\n`) });

  const config = loadConfig({ NPSLOOP_DATA_DIR: '/tmp/npsloop-web-grid-bench', NPSLOOP_ADMIN_EMAILS: ADMIN });
  // The grid signals no workflow: a client that never connects is enough.
  const api = await createServer({ db: k, temporal: new Client(), config, reviewLinks: { publicBaseUrl: config.publicUrl, secret: 'bench-link-secret-of-at-least-32-chars' }, logger: false });
  run.onEnd('the API', () => api.close());
  const address = await api.listen({ host: '127.0.0.1', port: 0 });
  const session = await createWebSession(k, { email: ADMIN, role: 'admin', csmId: null, validForMs: 3_600_000, now: new Date() });

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  run.onEnd('Chromium', () => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: SESSION_COOKIE, value: session.token, url: address }]);
  const page = await context.newPage();

  const started = performance.now();
  await page.goto(`${address}/app/accounts`);
  await page.getByText(`${ACCOUNTS} accounts`, { exact: false }).first().waitFor({ timeout: 120_000 });
  await page.locator('[role="row"] a').first().waitFor();
  const firstRenderMs = performance.now() - started;

  /** Clicks a column's sort button and waits for the frame after the grid re-rendered. */
  const timeSorts = async () => {
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const label of SORTS) {
        times.push(
          await page.evaluate(async (name) => {
            const inPage = globalThis as unknown as InPage;
            const button = [...inPage.document.querySelectorAll('button.sort-button')].find((b) => b.textContent?.startsWith(name));
            if (!button) throw new Error(`no sort button ${name}`);
            const start = performance.now();
            button.click();
            await new Promise<void>((resolve) => inPage.requestAnimationFrame(() => inPage.requestAnimationFrame(resolve)));
            return performance.now() - start;
          }, label),
        );
      }
    }
    return times.slice(SORTS.length); // the first round warms the JIT
  };

  const all = await timeSorts();
  await page.getByLabel('Search accounts').fill('Account 12');
  const shown = await page.locator('[role="table"]').getAttribute('aria-rowcount');
  const few = await timeSorts();

  const sortAllMs = median(all);
  const sortFewMs = median(few);
  printResult({
    backend,
    accounts: ACCOUNTS,
    few_accounts: Number(shown) - 1,
    first_render_ms: Math.round(firstRenderMs),
    sort_all_ms: Number(sortAllMs.toFixed(1)),
    sort_few_ms: Number(sortFewMs.toFixed(1)),
    ratio: Number((sortAllMs / sortFewMs).toFixed(2)),
    sort_all_within_100ms_frame: sortAllMs <= 100,
  });
}

await runBench('bench:web-grid', 10 * 60_000, main);
