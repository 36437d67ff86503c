/**
 * npm run bench:wave — a survey wave (issue 14): 20,000 responses from 5,000 users in 500 accounts,
 * delivered through the signed generic webhook as fast as the API takes them (autocannon in a
 * second process, 20 connections), with the worker running. Done when:
 * - every response workflow has completed and every journey has reached its first wait, and
 *   `drain_ratio` (responses drained per second ÷ the two-no-op chain's rate, measured before and
 *   after the wave in the same run, on the same server, worker and task queue) is ≥ 0.7;
 * - `lost` and `duplicates` (tasks or emails) are both 0;
 * - account NPS snapshots, health and list members after the wave equal a full recompute from
 *   scratch (`mismatches`, compared both ways with EXCEPT ALL);
 * - the derived state is never more than 5 s behind a stored response (`max_freshness_lag_ms`,
 *   the oldest pending derived_state_changes row, sampled every 250 ms).
 * Last line: {"backend", "responses", "users", "accounts", "accepted", "accept_all_s",
 * "accept_p99_ms", "drain_s", "drained_per_s", "peak_backlog" (pending workflow starts),
 * "response_workflow_worker_ms": {"p50", "p99", "sampled"} (workflow task time on the worker,
 * local activities included, from 500 sampled histories), "noop_chain_per_s", "drain_ratio",
 * "target_drain_ratio": 0.7, "max_freshness_lag_ms", "peak_pending_changes", "journeys", "lost",
 * "duplicates", "mismatches": {"snapshots", "health", "lists"}};
 * exits 1 when a target is missed.
 *
 * Each user always gives the same score, (user × 7) mod 11, and answers 4 times: the expected
 * journeys are exactly the detractor users, and a user's later answers are skipped as already
 * enrolled. The instance also has 4 past answers per user, 8 to 372 days and 12 hours old, so
 * the rolling windows' edges cross none of them while the bench runs and the recompute is exact.
 *
 * Everything but the load and the Temporal dev server runs in this process, as `npm start` runs
 * it: the API (createServer on 127.0.0.1, a random port) and the real worker (createNpsloopWorker:
 * its activities, the relay that starts response workflows, the derived-state drainer), over
 * PostgreSQL when DATABASE_URL is set or else PGlite on disk; BENCH_BACKEND=pglite|postgres picks
 * one. BENCH_WAVE_RESPONSES (20000) shrinks the wave for a quick look: users are a quarter of the
 * responses, accounts a tenth of the users; BENCH_CONNECTIONS (20) sets the driver's connections.
 * Progress every 5 s, activity durations and where the response workflow's time went go to
 * stderr. Ends within 20 minutes (BENCH_DEADLINE_S), or stops and exits 1 with the reason,
 * everything it started stopped (bench/support/run-bench.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { type Kysely, sql } from 'kysely';
import { quantileSorted } from 'simple-statistics';
import { createServer } from '../api/create-server.ts';
import { loadConfig } from '../config/config.ts';
import { npsSettingsOf } from '../config/nps-settings.ts';
import type { Database } from '../db/database.ts';
import { createApiToken } from '../db/queries/api-tokens.ts';
import { refreshEverything } from '../derived-state/refresh-after-change.ts';
import { createMailTransport } from '../mail/create-transport.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { createNpsloopWorker } from '../worker/create-worker.ts';
import { responseWorkflowId } from '../workflows/response-received.ts';
import { openBenchDatabase, printResult } from './support/bench-database.ts';
import { startDevServer } from './support/dev-server.ts';
import { trackInFlightRequests } from './support/in-flight-requests.ts';
import { type ActivityDurations, activityDurationLines, instrumentActivities } from './support/instrumented-activities.ts';
import { seedJourneyInstance } from './support/journey-instance.ts';
import { noOpChainActivities, runNoOpChain } from './support/no-op-chain.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';
import { runBounded } from './support/run-bounded.ts';
import { countStored, driveWebhooks } from './support/webhook-load.ts';
import { fetchHistoryBreakdown, meanBreakdownLine } from './support/workflow-history.ts';

const RESPONSES = Number(process.env.BENCH_WAVE_RESPONSES ?? 20_000);
const USERS = Math.max(1, Math.floor(RESPONSES / 4));
const ACCOUNTS = Math.max(1, Math.floor(USERS / 10));
/** A year of quarterly surveys before this one. */
const HISTORY = 4 * USERS;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const BACKEND = backendAsked(process.env.BENCH_BACKEND);
/** The baseline: chains of two no-op workflows, before the wave and again after it. */
const CHAINS = 300;
const CHAIN_WARMUP = 20;
const CHAIN_CONCURRENCY = 20;
const HISTORY_SAMPLE = 500;
const TARGET_DRAIN_RATIO = 0.7;
/** "Never older than the response they have just sent plus a few seconds." */
const MAX_FRESHNESS_LAG_MS = 5_000;
const SAMPLE_EVERY_MS = 250;
const PROGRESS_EVERY_MS = 5_000;
/** Waiting for the wave to drain gives up (and the bench reports what is missing) after this long without progress. */
const STALL_MS = 120_000;
/** How long the server may still be handling requests once the driver has ended. */
const REQUESTS_DRAIN_TIMEOUT_MS = 30_000;
const DEADLINE_MS = 20 * 60_000;

function backendAsked(name: string | undefined): 'pglite' | 'postgres' | undefined {
  if (name === undefined || name === 'pglite' || name === 'postgres') return name;
  throw new Error(`BENCH_BACKEND must be pglite or postgres, not ${JSON.stringify(name)}`);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(run: BenchRun): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const setupStart = performance.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-bench-wave-'));
  run.onEnd(`the work folder ${workDir}`, () => fs.rmSync(workDir, { recursive: true, force: true }));
  const outboxDir = path.join(workDir, 'outbox');
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const config = loadConfig({
    NPSLOOP_DATA_DIR: workDir,
    NPSLOOP_WEBHOOK_SECRET_GENERIC: secret,
    TEMPORAL_TASK_QUEUE: `bench-wave-${process.pid}`,
    NPSLOOP_PUBLIC_URL: 'https://nps.example.com',
  });
  const settings = () => npsSettingsOf(config);

  log('opening the database, starting the dev server, bundling the workflows…');
  const workflowsPath = fileURLToPath(new URL('./support/bench-workflows.ts', import.meta.url));
  const [{ db, backend }, env, workflowBundle] = await Promise.all([
    openBenchDatabase('wave', run, BACKEND),
    startDevServer().then((started) => {
      run.onEnd('the Temporal dev server', () => started.teardown());
      return started;
    }),
    bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn: (m) => log(m), error: (m) => log(m), log() {} } }),
  ]);
  const k = db.kysely;
  log(`seeding ${ACCOUNTS} accounts, ${USERS} users, ${HISTORY} past responses (${backend})…`);
  await seedJourneyInstance(db, { accounts: ACCOUNTS, users: USERS, history: HISTORY }, settings());
  const { token } = await createApiToken(k, { name: 'bench ingest', role: 'ingest' });
  log(`seeded in ${seconds(performance.now() - setupStart)} s`);

  // The real worker, its activities timed, with the no-op chain's workflow and activity beside them.
  const linkSecret = randomBytes(32).toString('hex');
  const mailer = createMailTransport({ smtpUrl: undefined, from: 'npsloop <npsloop@bench.example>', outboxDir });
  run.onEnd('the mailer', () => mailer.close());
  const firstWaits = trackFirstWaits();
  let durations: ActivityDurations = new Map();
  const taskQueue = config.temporal.taskQueue;
  const workerClient = new Client({ connection: env.nativeConnection, namespace: config.temporal.namespace });
  const worker = await createNpsloopWorker({
    config,
    db: k,
    connection: env.nativeConnection,
    temporal: env.client,
    mailer,
    linkSecret,
    workflowBundle,
    wrapActivities: (activities) => {
      const timed = instrumentActivities(activities, {}, firstWaits.activityDone);
      durations = timed.durations;
      return { ...timed.activities, ...noOpChainActivities(workerClient, taskQueue) };
    },
  });
  const running = worker.run();
  running.catch(() => undefined);
  run.onEnd('the worker', async () => {
    worker.shutdown();
    await running.catch((error: unknown) => log(`worker: ${(error as Error).message}`));
  });

  const app = await createServer({ db: k, temporal: env.client, config, reviewLinks: { publicBaseUrl: config.publicUrl, secret: linkSecret }, logger: false });
  const inFlight = trackInFlightRequests(app);
  run.onEnd('the API server', () => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  const chainRunId = Date.now().toString(36);
  const chain = (i: number, phase: string) => runNoOpChain(env.client, taskQueue, `noop-chain-${phase}-${chainRunId}-${i}`);
  log(`no-op chains: ${CHAIN_WARMUP} to warm up, then ${CHAINS}, ${CHAIN_CONCURRENCY} in flight…`);
  await runBounded(CHAIN_WARMUP, CHAIN_CONCURRENCY, (i) => chain(i, 'warmup'));
  const chainBeforeMs = await runBounded(CHAINS, CHAIN_CONCURRENCY, (i) => chain(i, 'before'));
  log(`  ${(CHAINS / (chainBeforeMs / 1000)).toFixed(1)} chains/s`);

  log(`the wave: ${RESPONSES} responses from ${USERS} users through POST /webhooks/generic on 127.0.0.1:${port}, ${CONNECTIONS} connections…`);
  const sampler = startSampler(k);
  const t0 = performance.now();
  const progress = startProgress(k, env.client, firstWaits, sampler, t0);
  const acceptedFile = path.join(workDir, 'accepted.txt');
  const drive = await driveWebhooks(
    { url: `http://127.0.0.1:${port}`, token, secret, amount: RESPONSES, connections: CONNECTIONS, users: USERS, scores: 'fixed per user', runId: `wave-${Date.now().toString(36)}`, acceptedFile },
    { timeoutMs: DEADLINE_MS, signal: run.signal },
  );
  const acceptAllMs = performance.now() - t0;
  log(`  all sent in ${seconds(acceptAllMs)} s: ${drive['2xx']} accepted, ${drive.non2xx} not, ${drive.errors} errors, ${drive.timeouts} timeouts; p99 ${drive.latency_ms.p99} ms`);
  await inFlight.drained(REQUESTS_DRAIN_TIMEOUT_MS);
  const acceptedIds = fs.readFileSync(acceptedFile, 'utf8').split('\n').filter((id) => id !== '');
  const stored = await storedWave(k);
  const drained = await waitUntilDrained(env.client, firstWaits, sampler, stored, t0);
  progress.stop();
  const drainMs = drained ? drained.atMs - t0 : null;
  log(drained ? `  drained in ${seconds(drainMs!)} s` : `  not drained: nothing moved for ${STALL_MS / 1000} s`);
  await waitForChangesDrained(sampler);
  await sampler.stop();
  log('  activities during the wave:');
  for (const line of activityDurationLines(durations, stored.responses, 'response')) log(line);

  log('comparing the derived state with a full recompute…');
  const mismatches = await compareWithFullRecompute(k, settings);

  log(`no-op chains again: ${CHAINS}…`);
  const chainAfterMs = await runBounded(CHAINS, CHAIN_CONCURRENCY, (i) => chain(i, 'after'));
  log(`  ${(CHAINS / (chainAfterMs / 1000)).toFixed(1)} chains/s`);

  const workerMs = await responseWorkflowWorkerTime(k, env.client);
  const lost = await countLost(k, env.client, acceptedIds, stored, firstWaits);
  const duplicates = await countDuplicates(k, outboxDir);

  const noopChainPerS = (2 * CHAINS) / ((chainBeforeMs + chainAfterMs) / 1000);
  const drainedPerS = drainMs === null ? null : acceptedIds.length / (drainMs / 1000);
  const drainRatio = drainedPerS === null ? null : drainedPerS / noopChainPerS;
  const result = {
    backend,
    responses: RESPONSES,
    users: USERS,
    accounts: ACCOUNTS,
    accepted: acceptedIds.length,
    accept_all_s: seconds(acceptAllMs),
    accept_p99_ms: drive.latency_ms.p99,
    drain_s: drainMs === null ? null : seconds(drainMs),
    drained_per_s: drainedPerS === null ? null : Number(drainedPerS.toFixed(2)),
    peak_backlog: sampler.peakBacklog(),
    response_workflow_worker_ms: workerMs,
    noop_chain_per_s: Number(noopChainPerS.toFixed(2)),
    drain_ratio: drainRatio === null ? null : Number(drainRatio.toFixed(3)),
    target_drain_ratio: TARGET_DRAIN_RATIO,
    max_freshness_lag_ms: sampler.maxLagMs(),
    peak_pending_changes: sampler.peakChanges(),
    journeys: firstWaits.reached(),
    lost: lost.total,
    duplicates: duplicates.total,
    mismatches,
  };
  printResult(result);
  const missed = [
    ...(drainRatio === null ? ['the wave did not drain'] : drainRatio < TARGET_DRAIN_RATIO ? [`drain_ratio ${result.drain_ratio} is under ${TARGET_DRAIN_RATIO}`] : []),
    ...(result.max_freshness_lag_ms > MAX_FRESHNESS_LAG_MS ? [`the derived state fell ${result.max_freshness_lag_ms} ms behind (limit ${MAX_FRESHNESS_LAG_MS} ms)`] : []),
    ...(lost.total > 0 ? [`lost ${lost.total}: ${JSON.stringify(lost.parts)}`] : []),
    ...(duplicates.total > 0 ? [`duplicates ${duplicates.total}: ${JSON.stringify(duplicates.parts)}`] : []),
    ...Object.entries(mismatches).filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what} rows differ from a full recompute`),
  ];
  for (const reason of missed) log(`bench:wave missed its target: ${reason}`);
  if (missed.length > 0) process.exitCode = 1;
}

interface FirstWaitTracker {
  /** instrumentActivities' onDone. */
  activityDone(name: string, workflowId: string): void;
  reached(): number;
}

/** A journey has reached its first wait once its CSM email is sent: its last step before the wait. */
function trackFirstWaits(): FirstWaitTracker {
  const emailed = new Set<string>();
  return {
    activityDone(name, workflowId) {
      if (name === 'sendJourneyEmail') emailed.add(workflowId);
    },
    reached: () => emailed.size,
  };
}

interface Sample {
  pendingStarts: number;
  pendingChanges: number;
  lagMs: number | null;
}

interface Sampler {
  latest(): Sample;
  peakBacklog(): number;
  peakChanges(): number;
  maxLagMs(): number;
  stop(): Promise<void>;
}

/** Every 250 ms: workflow starts not yet made, derived-state changes not yet refreshed, and the age of the oldest of these. */
function startSampler(k: Kysely<Database>): Sampler {
  let latest: Sample = { pendingStarts: 0, pendingChanges: 0, lagMs: null };
  let peakBacklog = 0;
  let peakChanges = 0;
  let maxLagMs = 0;
  let stopped = false;
  const sample = async () => {
    const { rows } = await sql<{ pending_starts: string; pending_changes: string; lag_ms: string | null }>`
      select (select count(*) from response_workflow_starts where started_at is null) as pending_starts,
        count(*) as pending_changes, extract(epoch from now() - min(changed_at)) * 1000 as lag_ms
      from derived_state_changes
    `.execute(k);
    const row = rows[0]!;
    latest = { pendingStarts: Number(row.pending_starts), pendingChanges: Number(row.pending_changes), lagMs: row.lag_ms === null ? null : Number(row.lag_ms) };
    peakBacklog = Math.max(peakBacklog, latest.pendingStarts);
    peakChanges = Math.max(peakChanges, latest.pendingChanges);
    maxLagMs = Math.max(maxLagMs, Math.round(latest.lagMs ?? 0));
  };
  // A failed sample ends sampling and fails the bench at stop(); until then the figures stay as last seen.
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await sleep(SAMPLE_EVERY_MS);
    }
  })();
  loop.catch((error: unknown) => log(`  sampling failed: ${(error as Error).message}`));
  return {
    latest: () => latest,
    peakBacklog: () => peakBacklog,
    peakChanges: () => peakChanges,
    maxLagMs: () => maxLagMs,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

const completedResponseWorkflows = async (client: Client) => (await client.workflow.count(`WorkflowType = 'responseReceivedWorkflow' AND ExecutionStatus = 'Completed'`)).count;
const runningResponseWorkflows = async (client: Client) => (await client.workflow.count(`WorkflowType = 'responseReceivedWorkflow' AND ExecutionStatus = 'Running'`)).count;

/** Every 5 s on stderr: pending starts, pending changes and their age, completed response workflows, journeys at their first wait. */
function startProgress(k: Kysely<Database>, client: Client, firstWaits: FirstWaitTracker, sampler: Sampler, t0: number): { stop(): void } {
  const timer = setInterval(() => {
    void (async () => {
      const [received, completed] = await Promise.all([storedWave(k), completedResponseWorkflows(client)]);
      const { pendingStarts, pendingChanges, lagMs } = sampler.latest();
      log(
        `  ${seconds(performance.now() - t0)} s: ${received.responses} stored, backlog ${pendingStarts}, ` +
          `${completed} response workflows completed, ${firstWaits.reached()} journeys at their first wait; ` +
          `${pendingChanges} derived-state changes pending${lagMs === null ? '' : `, oldest ${Math.round(lagMs)} ms`}`,
      );
    })().catch((error: unknown) => log(`  progress: ${(error as Error).message}`));
  }, PROGRESS_EVERY_MS);
  return { stop: () => clearInterval(timer) };
}

interface StoredWave {
  responses: number;
  /** Users whose answers are detractors: one journey each. */
  detractorUsers: number;
}

/** The wave's stored responses (the history came by CSV) and the journeys they should start. */
async function storedWave(k: Kysely<Database>): Promise<StoredWave> {
  const row = await k
    .selectFrom('nps_responses')
    .select((eb) => [eb.fn.countAll<string>().as('responses'), sql<string>`count(distinct user_id) filter (where score <= 6)`.as('detractor_users')])
    .where('source', '=', 'generic')
    .executeTakeFirstOrThrow();
  return { responses: Number(row.responses), detractorUsers: Number(row.detractor_users) };
}

/**
 * Drained: no start pending, every expected journey at its first wait, and every stored response's
 * workflow completed with none running. Returns when that was first seen, or null when nothing
 * moved for STALL_MS.
 */
async function waitUntilDrained(client: Client, firstWaits: FirstWaitTracker, sampler: Sampler, stored: StoredWave, t0: number): Promise<{ atMs: number } | null> {
  let lastState = '';
  let lastMoveMs = performance.now();
  for (;;) {
    const { pendingStarts } = sampler.latest();
    const reached = firstWaits.reached();
    const completed = await completedResponseWorkflows(client);
    if (pendingStarts === 0 && reached >= stored.detractorUsers && completed >= stored.responses && (await runningResponseWorkflows(client)) === 0) {
      return { atMs: performance.now() };
    }
    const state = `${pendingStarts}/${reached}/${completed}`;
    if (state !== lastState) {
      lastState = state;
      lastMoveMs = performance.now();
    } else if (performance.now() - lastMoveMs > STALL_MS) {
      log(`  after ${seconds(performance.now() - t0)} s: ${pendingStarts} starts pending, ${reached} of ${stored.detractorUsers} journeys at their first wait, ${completed} of ${stored.responses} response workflows completed`);
      return null;
    }
    await sleep(SAMPLE_EVERY_MS);
  }
}

/** The drainer refreshes what the wave changed: wait (up to STALL_MS) until no change is pending, so the comparison sees its work. */
async function waitForChangesDrained(sampler: Sampler): Promise<void> {
  const since = performance.now();
  while (sampler.latest().pendingChanges > 0) {
    if (performance.now() - since > STALL_MS) {
      log(`  ${sampler.latest().pendingChanges} derived-state changes still pending after ${STALL_MS / 1000} s`);
      return;
    }
    await sleep(SAMPLE_EVERY_MS);
  }
}

/**
 * The derived state as the wave left it, against a full recompute (refreshEverything): the rows
 * of each side missing from the other. Snapshots leave out when they were computed and their
 * bounds, which for windows ending now move with the clock; the window key names the window.
 */
async function compareWithFullRecompute(k: Kysely<Database>, settings: () => NpsSettingsAt): Promise<{ snapshots: number; health: number; lists: number }> {
  const derived = {
    snapshots: { table: 'account_nps_snapshots', columns: 'account_id, window_key, counting, promoters, passives, detractors, total, nps, margin_of_error, sources, last_response_at' },
    health: { table: 'account_health', columns: 'account_id, dimension, colour, reasons, rule_id, rule_version' },
    lists: { table: 'list_members', columns: 'rule_id, user_id' },
  } as const;
  const copyOf = (name: string) => sql.table(`wave_${name}_after_drain`);
  for (const [name, { table, columns }] of Object.entries(derived)) {
    await sql`create table ${copyOf(name)} as select ${sql.raw(columns)} from ${sql.table(table)}`.execute(k);
  }
  const started = performance.now();
  await refreshEverything(k, settings());
  log(`  full recompute in ${seconds(performance.now() - started)} s`);
  const mismatches = { snapshots: 0, health: 0, lists: 0 };
  for (const [name, { table, columns }] of Object.entries(derived) as [keyof typeof derived, (typeof derived)[keyof typeof derived]][]) {
    const drained = sql`select ${sql.raw(columns)} from ${copyOf(name)}`;
    const recomputed = sql`select ${sql.raw(columns)} from ${sql.table(table)}`;
    const { rows } = await sql<{ only_drained: string; only_recomputed: string }>`
      select (select count(*) from (${drained} except all ${recomputed}) d) as only_drained,
        (select count(*) from (${recomputed} except all ${drained}) r) as only_recomputed
    `.execute(k);
    const { only_drained, only_recomputed } = rows[0]!;
    mismatches[name] = Number(only_drained) + Number(only_recomputed);
    if (mismatches[name] > 0) {
      log(`  ${name}: ${only_drained} rows only after the wave, ${only_recomputed} only after the recompute; for example:`);
      const examples = await sql`(${drained} except all ${recomputed}) union all (${recomputed} except all ${drained}) limit 6`.execute(k);
      for (const row of examples.rows) log(`    ${JSON.stringify(row)}`);
    }
  }
  return mismatches;
}

/** Workflow task time on the worker (local activities included) of HISTORY_SAMPLE response workflows picked at random. */
async function responseWorkflowWorkerTime(k: Kysely<Database>, client: Client): Promise<{ p50: number; p99: number; sampled: number }> {
  const sample = await k
    .selectFrom('nps_responses')
    .select('id')
    .where('source', '=', 'generic')
    .orderBy(sql`random()`)
    .limit(HISTORY_SAMPLE)
    .execute();
  const breakdowns = new Array<Awaited<ReturnType<typeof fetchHistoryBreakdown>>>(sample.length);
  await runBounded(sample.length, CHAIN_CONCURRENCY, async (i) => {
    breakdowns[i] = await fetchHistoryBreakdown(client, responseWorkflowId(sample[i]!.id));
  });
  log(meanBreakdownLine(`response workflow (${sample.length} sampled)`, breakdowns));
  const onWorker = breakdowns.map((b) => b.wftRun).sort((a, b) => a - b);
  return { p50: Math.round(quantileSorted(onWorker, 0.5)), p99: Math.round(quantileSorted(onWorker, 0.99)), sampled: sample.length };
}

const countOf = async (k: Kysely<Database>, query: ReturnType<typeof sql>) => Number((await sql<{ n: string }>`select (${query}) as n`.execute(k)).rows[0]!.n);

/**
 * What the wave lost: accepted deliveries not stored, stored responses whose workflow start was
 * never made, response workflows not completed, and expected journeys that did not reach their
 * first wait.
 */
async function countLost(k: Kysely<Database>, client: Client, acceptedIds: string[], stored: StoredWave, firstWaits: FirstWaitTracker) {
  const parts = {
    accepted_not_stored: acceptedIds.length - (await countStored(k, acceptedIds)),
    starts_not_made: await countOf(k, sql`select count(*) from response_workflow_starts where started_at is null`),
    workflows_not_completed: stored.responses - (await completedResponseWorkflows(client)),
    journeys_not_at_first_wait: stored.detractorUsers - firstWaits.reached(),
  };
  return { total: Object.values(parts).reduce((a, b) => a + Math.max(0, b), 0), parts };
}

/**
 * What the wave did twice: tasks per enrollment and escalation level, sent emails per idempotency
 * key, .eml files beyond the sent emails, and enrollments per user and journey, each beyond one.
 */
async function countDuplicates(k: Kysely<Database>, outboxDir: string) {
  const sentEmails = await countOf(k, sql`select count(*) from emails where status = 'sent'`);
  const emlFiles = fs.existsSync(outboxDir) ? fs.readdirSync(outboxDir).filter((f) => f.endsWith('.eml')).length : 0;
  const parts = {
    tasks: await countOf(k, sql`select count(*) - count(distinct (enrollment_id, escalation_level)) from tasks`),
    emails: await countOf(k, sql`select count(*) - count(distinct idempotency_key) from emails where status = 'sent'`),
    eml_files: Math.max(0, emlFiles - sentEmails),
    enrollments: await countOf(k, sql`select count(*) - count(distinct (user_id, journey_name)) from enrollments`),
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

await runBench('bench:wave', DEADLINE_MS, main);
