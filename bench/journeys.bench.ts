/**
 * npm run bench:journeys — journeys per second on the Temporal CLI dev server, and in the same
 * run, on the same server and worker, a no-op workflow: the baseline of what Temporal itself
 * costs per workflow. Last line: {"journeys_per_s", "noop_per_s", "ratio" (target >= 0.7),
 * "journeys", "backend", ...}, with two ceilings measured alongside: "hollow_ratio", the same
 * two workflows with activities that do only their Temporal part (no database, no mail), and
 * "two_noop_chain_ratio", two no-op workflows one after the other — the most any journey of two
 * workflows can reach against one no-op.
 *
 * What one journey includes, measured from the start of its response workflow:
 * - `responseReceivedWorkflow` for a detractor response already stored through the real ingest
 *   path (`storeBatch`; the ingest itself is not timed), with its activities:
 *   `refreshForResponse` (the account's NPS snapshots for every standard window, its health,
 *   the user's lists), `matchingJourneys` (trigger evaluation over the enabled journeys) and
 *   `startJourney` (enrollment with its dedup and cooldown checks, then starting the journey
 *   workflow with its search attributes and memo, eagerly over the worker's connection), run as
 *   local activities; the client waits for its result;
 * - `detractorFollowUpWorkflow` up to its first wait: `createFollowUpTask`, the upsert of its
 *   search attributes, `sendJourneyEmail` (email row claimed, rendered, written as an `.eml` to
 *   an outbox, marked sent) and `escalationTarget`. The journey counts once `escalationTarget`
 *   has returned (observed in the worker), which is after its task row exists and its CSM email
 *   is sent; at the end every journey is checked: a task, a sent email, and `journeyState` saying
 *   'waiting for the task'.
 * So a journey is two workflows, six activities and five workflow tasks or so against one no-op
 * workflow with one workflow task. Everything runs on this machine: the dev server (its
 * own process), one Worker with the bundled workflows and the real activities, and the database
 * (PostgreSQL when DATABASE_URL is set, else PGlite inside this process), each phase with the
 * same number of executions and the same bound on those in flight.
 *
 * Progress and where the time goes (activity durations, CPU) go to stderr. Ends within 10 minutes,
 * or stops and exits 1 with the reason, the dev server and worker stopped (bench/support/run-bench.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { createActivities } from '../activities/index.ts';
import { installDefaultRules } from '../activities/install-default-rules.ts';
import { journeyWorkflowId } from '../activities/start-journey.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import { installMissingJourneys } from '../db/queries/journeys.ts';
import { refreshAfterChange } from '../derived-state/refresh-after-change.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { BUILT_IN_JOURNEYS, DETRACTOR_FOLLOW_UP } from '../journeys/built-in-journeys.ts';
import { createMailTransport } from '../mail/create-transport.ts';
import type { JourneyState } from '../journeys/journey-messages.ts';
import { noOpWorkflow, responseReceivedWorkflow } from '../workflows/index.ts';
import { responseWorkflowId } from '../workflows/response-received.ts';
import { openBenchDatabase, printResult, seedInstance } from './support/bench-database.ts';
import { HOLLOW_PREFIX, hollowJourneyActivities } from './support/hollow-journey-activities.ts';
import { startDevServer } from './support/dev-server.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';

const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 200);
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

const log = (line: string) => process.stderr.write(`${line}\n`);
const settings = (): NpsSettingsAt => ({ now: new Date(), timeZone: 'UTC', counting: 'every_response' });

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * Runs the hollow version of an activity for a hollow journey's workflows and the real one
 * otherwise; times every real activity (and how long its task waited to be picked up, or for a
 * local activity, how long it waited for a slot) and tells `onDone` which workflow an activity
 * finished for.
 */
function instrument<T extends Record<string, ActivityFunction>>(activities: T, hollow: Partial<T>, onDone: (name: string, workflowId: string) => void) {
  const durations = new Map<string, { run: number[]; queued: number[] }>();
  const wrapped = Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: never[]) => {
        const { info } = Context.current();
        const workflowId = info.workflowExecution?.workflowId ?? '';
        const isHollow = workflowId.startsWith(HOLLOW_PREFIX);
        const queued = Date.now() - info.currentAttemptScheduledTimestampMs;
        const start = performance.now();
        const result = await (isHollow ? hollow[name as keyof T]! : activity)(...args);
        if (!isHollow) {
          const key = info.isLocal ? `${name} (local)` : name;
          const entry = durations.get(key) ?? { run: [], queued: [] };
          entry.run.push(performance.now() - start);
          entry.queued.push(queued);
          durations.set(key, entry);
        }
        if (workflowId) onDone(name, workflowId);
        return result;
      },
    ]),
  ) as T;
  return { activities: wrapped, durations };
}

/** Runs `count` tasks with at most `limit` in flight; returns the wall time in ms. */
async function runBounded(count: number, limit: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      await task(i);
      done++;
      if (done % 50 === 0) log(`  ${done}/${count}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return performance.now() - start;
}

/** CPU seconds of this process's children: the dev server (Linux only; 0 elsewhere). */
function childrenCpuSeconds(): number {
  let ticks = 0;
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The process ended meanwhile.
      }
    }
  } catch {
    return 0;
  }
  return ticks / 100;
}

/** Over a phase: the CPU of this process (worker, client, and PGlite when embedded), of the dev server, and of the machine. */
function cpuMeter() {
  const machine = () => os.cpus().reduce((sum, cpu) => ({ busy: sum.busy + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, idle: sum.idle + cpu.times.idle }), { busy: 0, idle: 0 });
  const start = { wall: performance.now(), own: process.cpuUsage(), server: childrenCpuSeconds(), machine: machine() };
  return () => {
    const wall = performance.now() - start.wall;
    const own = process.cpuUsage(start.own);
    const m = machine();
    const busy = m.busy - start.machine.busy;
    const idle = m.idle - start.machine.idle;
    return {
      benchProcessCores: ((own.user + own.system) / 1000 / wall).toFixed(2),
      devServerCores: (((childrenCpuSeconds() - start.server) * 1000) / wall).toFixed(2),
      machineBusy: `${Math.round((100 * busy) / (busy + idle))}% of ${os.cpus().length} cores`,
    };
  };
}

const sum = (values: readonly number[]) => values.reduce((x, y) => x + y, 0);

function summarise(durations: Map<string, { run: number[]; queued: number[] }>, journeys: number): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const [name, { run, queued }] of [...durations].sort((a, b) => sum(b[1].run) - sum(a[1].run))) {
    const sorted = [...run].sort((a, b) => a - b);
    total += sum(run);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
    lines.push(
      `    ${name.padEnd(20)} ×${String(run.length).padStart(4)}  run mean ${(sum(run) / run.length).toFixed(1).padStart(6)} ms  p50 ${p(0.5).padStart(6)}  p95 ${p(0.95).padStart(6)}` +
        `  | task queued mean ${(sum(queued) / queued.length).toFixed(0).padStart(4)} ms`,
    );
  }
  lines.push(`    activity run time per journey: ${(total / journeys).toFixed(1)} ms`);
  return lines;
}

interface HistoryEvent {
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  eventType?: unknown;
  [attributes: string]: unknown;
}
const eventMs = (event: HistoryEvent) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
const has = (event: HistoryEvent, attributes: string) => event[attributes] != null;

/**
 * From a workflow's history: time its workflow tasks waited in the queue and ran on the worker,
 * and time from scheduling each activity to its completion (the server writes an activity's
 * started event late, so its queue time is measured in the worker instead), with their counts.
 */
function historyBreakdown(events: HistoryEvent[]) {
  const out = { span: 0, wftQueued: 0, wftRun: 0, wfts: 0, activityTotal: 0, activities: 0 };
  const scheduled = new Map<string, number>();
  let wftScheduled = 0;
  let wftStarted = 0;
  const first = events[0] ? eventMs(events[0]) : 0;
  for (const event of events) {
    const at = eventMs(event);
    const id = (key: string) => String((event[key] as { scheduledEventId?: unknown }).scheduledEventId);
    if (has(event, 'workflowTaskScheduledEventAttributes')) wftScheduled = at;
    else if (has(event, 'workflowTaskStartedEventAttributes')) {
      wftStarted = at;
      out.wftQueued += at - wftScheduled;
      out.wfts++;
    } else if (has(event, 'workflowTaskCompletedEventAttributes')) out.wftRun += at - wftStarted;
    else if (has(event, 'activityTaskScheduledEventAttributes')) scheduled.set(String((event as { eventId?: unknown }).eventId), at);
    else if (has(event, 'activityTaskCompletedEventAttributes')) {
      out.activityTotal += at - (scheduled.get(id('activityTaskCompletedEventAttributes')) ?? at);
      out.activities++;
    }
    out.span = at - first;
  }
  return out;
}

async function main(run: BenchRun): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const phaseStart = performance.now();
  log('opening the database and starting the dev server…');
  const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  const outboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-journeys-outbox-'));
  run.onEnd(`the outbox ${outboxDir}`, () => fs.rmSync(outboxDir, { recursive: true, force: true }));
  const [database, env, workflowBundle] = await Promise.all([
    openBenchDatabase('journeys', run),
    startDevServer().then((started) => {
      run.onEnd('the Temporal dev server', () => started.teardown());
      return started;
    }),
    bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn: (m) => log(m), error: (m) => log(m), log() {} } }),
  ]);
  const { db, backend } = database;
  const mailer = createMailTransport({ smtpUrl: undefined, from: 'npsloop <npsloop@bench.example>', outboxDir });
  run.onEnd('the mailer', () => mailer.close());
  const k = db.kysely;
  log(`seeding ${ACCOUNTS} accounts, ${USERS} users, ${HISTORY} past responses (${backend})…`);
  await seedInstance(db, ACCOUNTS, USERS);
  // Every CSM has a manager, so a follow-up's first wait has an SLA timer, as in production.
  const lead = await k.insertInto('csms').values({ external_id: 'lead', email: 'lead@cs.example', name: 'Lee Lead' }).returning('id').executeTakeFirstOrThrow();
  await k.updateTable('csms').set({ manager_id: lead.id }).where('id', '!=', lead.id).execute();
  const now = new Date();
  // History older than the journeys' maximum response age: it feeds NPS, health and lists.
  await sql`
    insert into nps_responses (user_id, account_id, csm_id, score, responded_at, received_at, source, source_response_id)
    select u.id, u.account_id, a.csm_id, (i * 7) % 11,
      ${now}::timestamptz - interval '8 days' - ((i::bigint * 7919) % 31536000) * interval '1 second',
      ${now}, 'csv', 'history-' || i
    from generate_series(1, ${HISTORY}) i
    join users u on u.id = 1 + (i * 31) % ${USERS}
    join accounts a on a.id = u.account_id
  `.execute(k);
  // As `npm start` does: the shipped rules and the built-in journeys (detractor follow-up enabled).
  await installDefaultRules(k, 'bench');
  await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'bench' });
  await refreshStandardSnapshots(k, 'all', settings());
  await refreshAfterChange(k, { accountIds: 'all', userIds: 'all' }, settings());
  await sql`analyze`.execute(k);

  // One detractor answer per user, each user on a different account, through the ingest path.
  const respondents = Array.from({ length: WARMUP + JOURNEYS }, (_, i) => ({ email: `user${i + 1}@example.com` }));
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
  const responses = stored.changed.map((row) => ({ responseId: row.id, userId: row.userId }));
  log(`seeded in ${((performance.now() - phaseStart) / 1000).toFixed(1)} s`);

  // A journey has reached its first wait when its last activity before the wait has returned.
  const waiters = new Map<string, () => void>();
  const reached = new Set<string>();
  const firstWait = (workflowId: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${workflowId} did not reach its first wait in ${JOURNEY_TIMEOUT_MS} ms`)), JOURNEY_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (reached.has(workflowId)) done();
      else waiters.set(workflowId, done);
    });
  const taskQueue = `bench-journeys-${process.pid}`;
  // As in the worker (worker/create-worker.ts): activities start workflows over the worker's own connection.
  const activityClient = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
  const { activities, durations } = instrument(
    createActivities({
      db: k,
      npsSettings: settings,
      mailer,
      temporal: activityClient,
      taskQueue,
      reviewLinks: { publicBaseUrl: 'https://nps.example.com', secret: 'bench-secret' },
      reportMinimumResponses: 5,
    }),
    hollowJourneyActivities(activityClient, taskQueue),
    (name, workflowId) => {
      if (name !== 'escalationTarget') return;
      reached.add(workflowId);
      waiters.get(workflowId)?.();
      waiters.delete(workflowId);
    },
  );
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  const running = worker.run();
  running.catch(() => undefined);
  run.onEnd('the worker', async () => {
    worker.shutdown();
    await running.catch((error: unknown) => log(`worker: ${(error as Error).message}`));
  });

  const client = env.client;
  const runId = Date.now().toString(36);
  const noOp = (i: number, phase: string) =>
    client.workflow.execute(noOpWorkflow, { taskQueue, workflowId: `noop-${phase}-${runId}-${i}`, workflowExecutionTimeout: '2 minutes' });
  const journey = async ({ responseId, userId }: { responseId: number; userId: number }) => {
    const waiting = firstWait(journeyWorkflowId(JOURNEY, userId));
    waiting.catch(() => undefined);
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
    const waiting = firstWait(HOLLOW_PREFIX + journeyWorkflowId(JOURNEY, responseId));
    waiting.catch(() => undefined);
    await client.workflow.execute(responseReceivedWorkflow, {
      taskQueue,
      workflowId: `${HOLLOW_PREFIX}${responseWorkflowId(responseId)}-${runId}`,
      args: [{ responseId }],
      workflowExecutionTimeout: '2 minutes',
    });
    await waiting;
  };

  log(`warming up (${WARMUP} no-ops, ${WARMUP} journeys, ${WARMUP} hollow journeys)…`);
  await runBounded(WARMUP, CONCURRENCY, (i) => noOp(i, 'warmup'));
  await runBounded(WARMUP, CONCURRENCY, (i) => journey(responses[i]!));
  await runBounded(WARMUP, CONCURRENCY, (i) => hollowJourney(i, 'warmup'));
  durations.clear();

  // The no-op runs before and after the journeys, so neither gets a fresher server.
  log(`no-op workflows: ${JOURNEYS}, ${CONCURRENCY} in flight…`);
  let meter = cpuMeter();
  const noOpBeforeMs = await runBounded(JOURNEYS, CONCURRENCY, (i) => noOp(i, 'before'));
  log(`  ${(JOURNEYS / (noOpBeforeMs / 1000)).toFixed(1)}/s; ${JSON.stringify(meter())}`);

  log(`journeys: ${JOURNEYS}, ${CONCURRENCY} in flight…`);
  meter = cpuMeter();
  const latencies: number[] = [];
  const journeysMs = await runBounded(JOURNEYS, CONCURRENCY, async (i) => {
    const start = performance.now();
    await journey(responses[WARMUP + i]!);
    latencies.push(performance.now() - start);
  });
  log(`  ${(JOURNEYS / (journeysMs / 1000)).toFixed(1)}/s; ${JSON.stringify(meter())}`);
  latencies.sort((a, b) => a - b);
  log(`  journey latency p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(0)} ms, p95 ${latencies[Math.floor(latencies.length * 0.95)]!.toFixed(0)} ms`);
  log('  activities during the journeys:');
  for (const line of summarise(durations, JOURNEYS)) log(line);

  log(`hollow journeys (the same workflows, activities without database or mail work): ${JOURNEYS}, ${CONCURRENCY} in flight…`);
  meter = cpuMeter();
  const hollowMs = await runBounded(JOURNEYS, CONCURRENCY, (i) => hollowJourney(i, 'measured'));
  log(`  ${(JOURNEYS / (hollowMs / 1000)).toFixed(1)}/s; ${JSON.stringify(meter())}`);

  // The least any journey of two workflows can cost: two no-ops, one after the other.
  log(`two-no-op chains: ${JOURNEYS}, ${CONCURRENCY} in flight…`);
  meter = cpuMeter();
  const chainMs = await runBounded(JOURNEYS, CONCURRENCY, async (i) => {
    await noOp(2 * i, 'chain');
    await noOp(2 * i + 1, 'chain');
  });
  log(`  ${(JOURNEYS / (chainMs / 1000)).toFixed(1)}/s; ${JSON.stringify(meter())}`);

  log(`no-op workflows again: ${JOURNEYS}, ${CONCURRENCY} in flight…`);
  meter = cpuMeter();
  const noOpAfterMs = await runBounded(JOURNEYS, CONCURRENCY, (i) => noOp(i, 'after'));
  log(`  ${(JOURNEYS / (noOpAfterMs / 1000)).toFixed(1)}/s; ${JSON.stringify(meter())}`);

  // Every journey reached its first wait: its task, its sent email, and its own word for it.
  const measuredUsers = responses.slice(WARMUP).map((r) => r.userId);
  const workflowIds = measuredUsers.map((userId) => journeyWorkflowId(JOURNEY, userId));
  const tasks = await k.selectFrom('tasks').select('workflow_id').where('status', '=', 'open').where('escalation_level', '=', 0).where('workflow_id', 'in', workflowIds).execute();
  const emails = await k.selectFrom('emails').select('workflow_id').where('status', '=', 'sent').where('workflow_id', 'in', workflowIds).execute();
  const states = await Promise.all(workflowIds.map((id) => client.workflow.getHandle(id).query<JourneyState>('journeyState')));
  const waiting = states.filter((s) => s.step === 'waiting for the task').length;
  const outboxFiles = fs.readdirSync(outboxDir).filter((f) => f.endsWith('.eml')).length;
  log(`checked: ${tasks.length} open tasks, ${emails.length} sent emails, ${waiting} journeys waiting for the task, ${outboxFiles} .eml files (incl. warm-up)`);
  if (tasks.length !== JOURNEYS || emails.length !== JOURNEYS || waiting !== JOURNEYS) throw new Error('not every journey reached its first wait');

  // Where a journey's time went, from the histories of its two workflows (the journey's up to its first wait).
  const breakdown = async (workflowId: string, until?: (event: HistoryEvent) => boolean) => {
    const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
    const list = (events ?? []) as HistoryEvent[];
    const end = until ? list.findIndex(until) : -1;
    return historyBreakdown(end >= 0 ? list.slice(0, end + 1) : list);
  };
  const lastBeforeWait = (event: HistoryEvent) => has(event, 'timerStartedEventAttributes');
  for (const [label, ids, until] of [
    ['no-op workflow', Array.from({ length: JOURNEYS }, (_, i) => `noop-after-${runId}-${i}`), undefined],
    ['response workflow', responses.slice(WARMUP).map((r) => responseWorkflowId(r.responseId)), undefined],
    ['journey workflow to its first wait', workflowIds, lastBeforeWait],
  ] as const) {
    const parts = await Promise.all(ids.map((id) => breakdown(id, until)));
    const mean = (key: keyof ReturnType<typeof historyBreakdown>) => (sum(parts.map((part) => part[key])) / parts.length).toFixed(key === 'wfts' || key === 'activities' ? 1 : 0);
    log(
      `  ${label}: span ${mean('span')} ms = ${mean('wfts')} workflow tasks (queued ${mean('wftQueued')} ms, on the worker ${mean('wftRun')} ms)` +
        ` + ${mean('activities')} activities (scheduled to completed ${mean('activityTotal')} ms)`,
    );
  }

  const journeysPerS = JOURNEYS / (journeysMs / 1000);
  const noopPerS = (2 * JOURNEYS) / ((noOpBeforeMs + noOpAfterMs) / 1000);
  const hollowPerS = JOURNEYS / (hollowMs / 1000);
  const chainPerS = JOURNEYS / (chainMs / 1000);
  printResult({
    backend,
    journeys: JOURNEYS,
    concurrency: CONCURRENCY,
    journeys_per_s: Number(journeysPerS.toFixed(2)),
    noop_per_s: Number(noopPerS.toFixed(2)),
    ratio: Number((journeysPerS / noopPerS).toFixed(3)),
    // What the journey's Temporal shape alone reaches: the ceiling of `ratio` on this machine.
    hollow_journeys_per_s: Number(hollowPerS.toFixed(2)),
    hollow_ratio: Number((hollowPerS / noopPerS).toFixed(3)),
    // Two no-op workflows in sequence: the ceiling for anything that is two workflows.
    two_noop_chain_per_s: Number(chainPerS.toFixed(2)),
    two_noop_chain_ratio: Number((chainPerS / noopPerS).toFixed(3)),
    journey_p50_ms: Math.round(latencies[Math.floor(latencies.length / 2)]!),
  });
}

await runBench('bench:journeys', DEADLINE_MS, main);
