/**
 * npm run bench:journeys — journeys per second on the Temporal CLI dev server, and in the same
 * run, on the same server, worker and task queue, at the same concurrency, the baseline: a chain
 * of two no-op workflows, since a journey is two workflows (the response's and the enrollment's).
 * The chain's first no-op starts the second as the response workflow starts a journey's (a local
 * activity that starts it by client, eagerly, over the worker's connection), and a chain counts
 * once the second has completed (bench/support/no-op-chain-workflow.ts). Last line:
 * {"ratio" (journeys ÷ chain), "target_ratio": 0.7, "ratio_by_round", "journeys_per_s", "noop_chain_per_s", ...},
 * with alongside: "ratio_vs_single_noop", journeys against one no-op workflow (the baseline
 * before issue 14), and "hollow_ratio", the same two workflows with activities that do only
 * their Temporal part (no database, no mail) against the chain — what `ratio` can reach here.
 *
 * What one journey includes, measured from the start of its response workflow:
 * - `responseReceivedWorkflow` for a detractor response already stored through the real ingest
 *   path (`storeBatch`; the ingest itself is not timed), with its one local activity
 *   `actOnResponse`: the response read, trigger evaluation over the enabled journeys, and
 *   `startJourney` for the match (enrollment with its dedup and cooldown checks, then starting the
 *   journey workflow with its search attributes and memo, eagerly over the worker's connection);
 *   the client waits for its result. The account's NPS snapshots and health and the user's lists
 *   are refreshed meanwhile by the worker's derived-state drainer, which runs here as in the
 *   worker, against the same database;
 * - `detractorFollowUpWorkflow` up to its first wait: the local activity `openFollowUpTask` (the
 *   task created, its escalation target asked), then `sendJourneyEmail`'s first attempt, a local
 *   activity too (email row claimed, rendered, written as an `.eml` to an outbox, marked sent;
 *   workflows/journey-email-step.ts). The journey counts once `sendJourneyEmail` has returned
 *   (observed in the worker), which is after its task row exists and its escalation target is
 *   known; at the end every journey is checked: a task, a sent email, and `journeyState` saying
 *   'waiting for the task'.
 * So a journey is two workflows, three local activities and two workflow tasks against the
 * chain's two workflows, one local activity and two workflow tasks. Everything runs on this machine: the dev server (its
 * own process), one Worker with the bundled workflows and the real activities, and the database
 * (PostgreSQL when DATABASE_URL is set, else PGlite inside this process), each phase with the
 * same number of executions (BENCH_JOURNEYS, 300) and the same bound on those in flight. The
 * phases take turns in rounds (BENCH_ROUNDS, 3), each round in another order, so that a slow spell
 * of the shared machine falls on all of them rather than on one; `ratio_by_round` shows the spread.
 *
 * Progress and where the time goes (activity durations, CPU) go to stderr. Ends within 10 minutes,
 * or stops and exits 1 with the reason, the dev server and worker stopped (bench/support/run-bench.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { quantileSorted, sum } from 'simple-statistics';
import { createActivities } from '../activities/index.ts';
import { journeyWorkflowId } from '../activities/start-journey.ts';
import type { Database } from '../db/database.ts';
import type { Db } from '../db/connect.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { DETRACTOR_FOLLOW_UP } from '../journeys/built-in-journeys.ts';
import { createMailTransport, type Mailer } from '../mail/create-transport.ts';
import type { JourneyState } from '../journeys/journey-messages.ts';
import { noOpWorkflow, responseReceivedWorkflow } from '../workflows/index.ts';
import { noOpChainActivities, runNoOpChain } from './support/no-op-chain.ts';
import { responseWorkflowId } from '../workflows/response-received.ts';
import { openBenchDatabase, printResult } from './support/bench-database.ts';
import { startCpuMeter } from './support/cpu-meter.ts';
import { createFirstWaits, type FirstWaits } from './support/first-waits.ts';
import { seedJourneyInstance } from './support/journey-instance.ts';
import { HOLLOW_PREFIX, hollowJourneyActivities } from './support/hollow-journey-activities.ts';
import { type ActivityDurations, activityDurationLines, instrumentActivities } from './support/instrumented-activities.ts';
import { startDevServer } from './support/dev-server.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';
import { runBounded } from './support/run-bounded.ts';
import { fetchHistoryBreakdown, hasAttributes, type HistoryEvent, meanBreakdownLine } from './support/workflow-history.ts';
import { startDerivedStateDrainer } from '../worker/derived-state-drainer.ts';

const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 300);
/** The phases take turns this many times (BENCH_ROUNDS). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_ROUND = Math.floor(JOURNEYS / ROUNDS);
/** Executions per phase over all rounds. */
const MEASURED = PER_ROUND * ROUNDS;
type PhaseName = 'noOp' | 'chain' | 'journeys' | 'hollow';
const PHASE_ORDER: readonly PhaseName[] = ['noOp', 'chain', 'journeys', 'hollow'];
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const WARMUP = 20;
/** A modest instance, so the per-response refreshes work on real tables rather than empty ones. */
const ACCOUNTS = 1_000;
const USERS = 20_000;
const HISTORY = 50_000;
const JOURNEY_TIMEOUT_MS = 120_000;
/** The benchmark stops by itself, whatever happens. */
const DEADLINE_MS = 10 * 60_000;
const JOURNEY = DETRACTOR_FOLLOW_UP.name;
/** Issue 14: journeys at 0.7 of the no-op chain's rate or better, on PostgreSQL. */
const TARGET_RATIO = 0.7;

const log = (line: string) => process.stderr.write(`${line}\n`);
const settings = (): NpsSettingsAt => ({ now: new Date(), timeZone: 'UTC', counting: 'every_response' });

async function main(run: BenchRun): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const setupStart = performance.now();
  log('opening the database and starting the dev server…');
  const services = await startServices(run);
  const { db, backend, env, outboxDir } = services;
  log(`seeding ${ACCOUNTS} accounts, ${USERS} users, ${HISTORY} past responses (${backend})…`);
  await seedJourneyInstance(db, { accounts: ACCOUNTS, users: USERS, history: HISTORY }, settings());
  const responses = await storeDetractorResponses(db.kysely, WARMUP + MEASURED);
  log(`seeded in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

  const taskQueue = `bench-journeys-${process.pid}`;
  const firstWaits = createFirstWaits(JOURNEY_TIMEOUT_MS);
  const durations = await startWorker(run, services, taskQueue, firstWaits);
  const { noOp, noOpWorkflowId, noOpChain, journey, hollowJourney } = workloads(env.client, taskQueue, firstWaits);

  log(`warming up (${WARMUP} no-ops, ${WARMUP} no-op chains, ${WARMUP} journeys, ${WARMUP} hollow journeys)…`);
  await runBounded(WARMUP, CONCURRENCY, (i) => noOp(i, 'warmup'));
  await runBounded(WARMUP, CONCURRENCY, (i) => noOpChain(i, 'warmup'));
  await runBounded(WARMUP, CONCURRENCY, (i) => journey(responses[i]!));
  await runBounded(WARMUP, CONCURRENCY, (i) => hollowJourney(i, 'warmup'));
  durations.clear();

  // The phases take turns, round after round, each round in another order: on a shared machine a
  // slow spell then falls on every phase alike instead of on one, and the ratios compare like with like.
  const latencies: number[] = [];
  const phases: Record<PhaseName, { label: string; task: (i: number) => Promise<void> }> = {
    noOp: { label: 'no-op workflows', task: (i) => noOp(i, 'measured') },
    chain: { label: 'no-op chains (a no-op starting a second no-op)', task: (i) => noOpChain(i, 'measured') },
    journeys: {
      label: 'journeys',
      task: async (i) => {
        const start = performance.now();
        await journey(responses[WARMUP + i]!);
        latencies.push(performance.now() - start);
      },
    },
    hollow: { label: 'hollow journeys (the same workflows, activities without database or mail work)', task: (i) => hollowJourney(i, 'measured') },
  };
  const phaseMs: Record<PhaseName, number[]> = { noOp: [], chain: [], journeys: [], hollow: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = PHASE_ORDER.map((_, k) => PHASE_ORDER[(k + round) % PHASE_ORDER.length]!);
    for (const name of order) {
      const { label, task } = phases[name];
      phaseMs[name].push(await measurePhase(`${label}, round ${round + 1} of ${ROUNDS}`, (i) => task(round * PER_ROUND + i)));
    }
  }
  latencies.sort((a, b) => a - b);
  const journeyP50Ms = quantileSorted(latencies, 0.5);
  log(`journey latency p50 ${journeyP50Ms.toFixed(0)} ms, p95 ${quantileSorted(latencies, 0.95).toFixed(0)} ms`);
  log('activities during the journeys:');
  for (const line of activityDurationLines(durations, MEASURED)) log(line);

  const measured = responses.slice(WARMUP);
  const journeyIds = measured.map(({ userId }) => journeyWorkflowId(JOURNEY, userId));
  await checkEveryJourneyWaits(db.kysely, env.client, journeyIds, outboxDir);

  // Where a journey's time went, from the histories of its two workflows (the journey's up to its first wait).
  const upToFirstTimer = (event: HistoryEvent) => hasAttributes(event, 'timerStartedEventAttributes');
  for (const [label, ids, until] of [
    ['no-op workflow', Array.from({ length: MEASURED }, (_, i) => noOpWorkflowId(i, 'measured')), undefined],
    ['response workflow', measured.map(({ responseId }) => responseWorkflowId(responseId)), undefined],
    ['journey workflow to its first wait', journeyIds, upToFirstTimer],
  ] as const) {
    log(meanBreakdownLine(label, await Promise.all(ids.map((id) => fetchHistoryBreakdown(env.client, id, until)))));
  }

  printResult(journeysResult(backend, phaseMs, journeyP50Ms));
}

interface Services {
  db: Db;
  backend: string;
  env: TestWorkflowEnvironment;
  workflowBundle: WorkflowBundleWithSourceMap;
  mailer: Mailer;
  outboxDir: string;
}

/** The database, the dev server, the bundled workflows and a mailer writing to an outbox folder, each stopped or removed when the run ends. */
async function startServices(run: BenchRun): Promise<Services> {
  const workflowsPath = fileURLToPath(new URL('./support/bench-workflows.ts', import.meta.url));
  const outboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-journeys-outbox-'));
  run.onEnd(`the outbox ${outboxDir}`, () => fs.rmSync(outboxDir, { recursive: true, force: true }));
  const [{ db, backend }, env, workflowBundle] = await Promise.all([
    openBenchDatabase('journeys', run),
    startDevServer().then((started) => {
      run.onEnd('the Temporal dev server', () => started.teardown());
      return started;
    }),
    bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn: (m) => log(m), error: (m) => log(m), log() {} } }),
  ]);
  const mailer = createMailTransport({ smtpUrl: undefined, from: 'npsloop <npsloop@bench.example>', outboxDir });
  run.onEnd('the mailer', () => mailer.close());
  return { db, backend, env, workflowBundle, mailer, outboxDir };
}

interface StoredResponse {
  responseId: number;
  userId: number;
}

/** One detractor answer per user, each user on a different account, through the ingest path. */
async function storeDetractorResponses(k: Kysely<Database>, count: number): Promise<StoredResponse[]> {
  const respondents = Array.from({ length: count }, (_, i) => ({ email: `user${i + 1}@example.com` }));
  const stored = await storeBatch(
    k,
    'generic',
    respondents.map(({ email }, i) => ({
      ok: true as const,
      payload: {},
      response: { source: 'generic', sourceResponseId: `bench-${i}`, email, score: i % 7, respondedAt: new Date(Date.now() - 60_000), comment: 'Exports keep failing', excluded: false },
    })),
    new Date(),
  );
  if (stored.changed.length !== respondents.length) throw new Error(`stored ${stored.changed.length} of ${respondents.length} responses: ${JSON.stringify(stored.rejected.slice(0, 3))}`);
  return stored.changed.map((row) => ({ responseId: row.id, userId: row.userId }));
}

/**
 * One Worker with the bundled workflows and the real activities, timed, hollow ones for hollow
 * journeys; a journey has reached its first wait when its last activity before the wait has returned.
 */
async function startWorker(run: BenchRun, { db, env, workflowBundle, mailer }: Services, taskQueue: string, firstWaits: FirstWaits): Promise<ActivityDurations> {
  // As in the worker (worker/create-worker.ts): activities start workflows over the worker's own connection.
  const activityClient = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
  const { activities, durations } = instrumentActivities(
    createActivities({
      db: db.kysely,
      npsSettings: settings,
      mailer,
      temporal: activityClient,
      taskQueue,
      reviewLinks: { publicBaseUrl: 'https://nps.example.com', secret: 'bench-secret' },
      reportMinimumResponses: 5,
    }),
    hollowJourneyActivities(activityClient, taskQueue),
    (name, workflowId) => {
      if (name === 'sendJourneyEmail') firstWaits.reached(workflowId);
    },
  );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { ...activities, ...noOpChainActivities(activityClient, taskQueue) },
  });
  const running = worker.run();
  running.catch(() => undefined);
  const drainer = startDerivedStateDrainer(db.kysely, settings);
  run.onEnd('the worker', async () => {
    worker.shutdown();
    await running.catch((error: unknown) => log(`worker: ${(error as Error).message}`));
    await drainer.stop();
  });
  return durations;
}

/** What the phases run: a no-op workflow, a no-op chain, a journey up to its first wait, and a hollow journey up to its first wait. */
function workloads(client: Client, taskQueue: string, firstWaits: FirstWaits) {
  const runId = Date.now().toString(36);
  const noOpWorkflowId = (i: number, phase: string) => `noop-${phase}-${runId}-${i}`;
  const noOp = (i: number, phase: string) => client.workflow.execute(noOpWorkflow, { taskQueue, workflowId: noOpWorkflowId(i, phase), workflowExecutionTimeout: '2 minutes' });
  // Like a journey: the client waits for the first workflow's result, then for the second (the journey's first wait).
  const noOpChain = (i: number, phase: string) => runNoOpChain(client, taskQueue, `noop-chain-${phase}-${runId}-${i}`);
  const journey = async ({ responseId, userId }: StoredResponse) => {
    const waiting = firstWaits.waitFor(journeyWorkflowId(JOURNEY, userId));
    const result = await client.workflow.execute(responseReceivedWorkflow, {
      taskQueue,
      workflowId: responseWorkflowId(responseId),
      args: [{ responseId }],
      workflowExecutionTimeout: '2 minutes',
    });
    const started = result.journeys.find((j) => j.journey === JOURNEY);
    if (started?.status !== 'started') throw new Error(`response ${responseId} did not start ${JOURNEY}: ${JSON.stringify(result)}`);
    await waiting;
  };
  // The same two workflows with activities that do only their Temporal part (see hollow-journey-activities.ts).
  const hollowJourney = async (i: number, phase: string) => {
    const responseId = 1 + i + (phase === 'warmup' ? 0 : WARMUP);
    const waiting = firstWaits.waitFor(HOLLOW_PREFIX + journeyWorkflowId(JOURNEY, responseId));
    await client.workflow.execute(responseReceivedWorkflow, {
      taskQueue,
      workflowId: `${HOLLOW_PREFIX}${responseWorkflowId(responseId)}-${runId}`,
      args: [{ responseId }],
      workflowExecutionTimeout: '2 minutes',
    });
    await waiting;
  };
  return { noOp, noOpWorkflowId, noOpChain, journey, hollowJourney };
}

/** Runs PER_ROUND of `task`, CONCURRENCY in flight, logging the rate and the CPU it took; returns the wall time in ms. */
async function measurePhase(label: string, task: (i: number) => Promise<void>): Promise<number> {
  log(`${label}: ${PER_ROUND}, ${CONCURRENCY} in flight…`);
  const cpuSince = startCpuMeter();
  const ms = await runBounded(PER_ROUND, CONCURRENCY, task);
  const cpu = cpuSince();
  const cpuUse = {
    benchProcessCores: cpu.ownCores.toFixed(2),
    // Its children: the dev server, and tsx's esbuild service, idle by now.
    devServerCores: cpu.childrenCores.toFixed(2),
    machineBusy: `${Math.round(cpu.machineBusyPercent)}% of ${cpu.machineCores} cores`,
  };
  log(`  ${(PER_ROUND / (ms / 1000)).toFixed(1)}/s; ${JSON.stringify(cpuUse)}`);
  return ms;
}

/** Every journey reached its first wait: its task, its sent email, and its own word for it. */
async function checkEveryJourneyWaits(k: Kysely<Database>, client: Client, workflowIds: string[], outboxDir: string): Promise<void> {
  const tasks = await k.selectFrom('tasks').select('workflow_id').where('status', '=', 'open').where('escalation_level', '=', 0).where('workflow_id', 'in', workflowIds).execute();
  const emails = await k.selectFrom('emails').select('workflow_id').where('status', '=', 'sent').where('workflow_id', 'in', workflowIds).execute();
  const states = await Promise.all(workflowIds.map((id) => client.workflow.getHandle(id).query<JourneyState>('journeyState')));
  const waiting = states.filter((s) => s.step === 'waiting for the task').length;
  const outboxFiles = fs.readdirSync(outboxDir).filter((f) => f.endsWith('.eml')).length;
  log(`checked: ${tasks.length} open tasks, ${emails.length} sent emails, ${waiting} journeys waiting for the task, ${outboxFiles} .eml files (incl. warm-up)`);
  if (tasks.length !== MEASURED || emails.length !== MEASURED || waiting !== MEASURED) throw new Error('not every journey reached its first wait');
}

/**
 * The last line: each phase's rate over its rounds, and the ratios against the baselines measured
 * in the same run; `ratio_by_round` shows how far the machine's noise moved the ratio.
 */
function journeysResult(backend: string, phaseMs: Record<PhaseName, number[]>, journeyP50Ms: number) {
  const perS = (name: PhaseName) => MEASURED / (sum(phaseMs[name]) / 1000);
  const journeysPerS = perS('journeys');
  const chainPerS = perS('chain');
  const noopPerS = perS('noOp');
  const hollowPerS = perS('hollow');
  return {
    backend,
    journeys: MEASURED,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    journeys_per_s: Number(journeysPerS.toFixed(2)),
    noop_chain_per_s: Number(chainPerS.toFixed(2)),
    ratio: Number((journeysPerS / chainPerS).toFixed(3)),
    target_ratio: TARGET_RATIO,
    ratio_by_round: phaseMs.journeys.map((ms, round) => Number((phaseMs.chain[round]! / ms).toFixed(3))),
    noop_per_s: Number(noopPerS.toFixed(2)),
    ratio_vs_single_noop: Number((journeysPerS / noopPerS).toFixed(3)),
    // What the journey's Temporal shape alone reaches against the chain: the ceiling of `ratio` on this machine.
    hollow_journeys_per_s: Number(hollowPerS.toFixed(2)),
    hollow_ratio: Number((hollowPerS / chainPerS).toFixed(3)),
    journey_p50_ms: Math.round(journeyP50Ms),
  };
}

await runBench('bench:journeys', DEADLINE_MS, main);
