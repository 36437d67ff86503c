/**
 * npm run test:faults [-- --only <scenario>[,<scenario>…]] [-- --list]
 *
 * Breaks npsloop on purpose, with real parts in separate processes (a private PostgreSQL, the
 * Temporal dev server, the API and the worker, an SMTP server on loopback), and checks that no
 * accepted response is lost, no journey step happens twice, and the system recovers by itself.
 * Each scenario prints one JSON line of figures on stdout; the last line is the totals, with
 * `lost` and `duplicates` over every scenario. Exits 1 when a scenario failed, 2 on bad usage,
 * 130 when interrupted. Progress and the logs' folder go to stderr.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { killAllChildren } from './harness/child-process.ts';
import { type PrivatePostgres, startPrivatePostgres } from './harness/private-postgres.ts';
import { emptyFigures, type Figures, type Scenario, type ScenarioContext } from './harness/scenario.ts';
import { apiCrash } from './scenarios/api-crash.ts';
import { escalation } from './scenarios/escalation.ts';
import { postgresOutage } from './scenarios/postgres-outage.ts';
import { smtpOutage, smtpSlowAck } from './scenarios/smtp-outage.ts';
import { temporalOutage } from './scenarios/temporal-outage.ts';
import { twoWorkers } from './scenarios/two-workers.ts';
import { workerCrash } from './scenarios/worker-crash.ts';

const SCENARIOS: Scenario[] = [
  workerCrash({ journeys: 200, kills: 8 }),
  // Every workflow task replays on a cache this small, so fewer journeys make the point.
  workerCrash({ journeys: 60, kills: 4, cacheSize: 2 }),
  apiCrash(),
  smtpOutage(),
  smtpSlowAck(),
  postgresOutage(),
  temporalOutage(),
  escalation(),
  twoWorkers({ journeys: 200 }),
];

/** After a time limit, how long a scenario gets to unwind before the suite moves on regardless. */
const UNWIND_SECONDS = 30;

interface ScenarioLine extends Figures {
  scenario: string;
  ok: boolean;
  seconds: number;
  problems: string[];
}

/** The scenario running now, to which an unhandled rejection is charged. */
let currentScenario: ScenarioContext | undefined;

const progress = (message: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function selectScenarios(): Scenario[] {
  const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, list: { type: 'boolean' } } });
  if (values.list) {
    for (const scenario of SCENARIOS) console.log(`${scenario.name.padEnd(22)} ${scenario.summary} (at most ${scenario.timeLimitSeconds} s)`);
    process.exit(0);
  }
  if (!values.only) return SCENARIOS;
  const names = values.only.flatMap((value) => value.split(',')).map((name) => name.trim());
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`--only: no scenario named ${unknown.join(', ')}; the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
  return SCENARIOS.filter((scenario) => names.includes(scenario.name));
}

async function runScenario(scenario: Scenario, runDir: string, suite: ScenarioContext['suite'], interrupted: AbortSignal): Promise<ScenarioLine> {
  const started = Date.now();
  const figures = emptyFigures();
  const problems: string[] = [];
  const controller = new AbortController();
  const stopOnInterrupt = () => controller.abort(new Error('interrupted'));
  interrupted.addEventListener('abort', stopOnInterrupt);
  const timer = setTimeout(() => {
    problems.push(`time limit of ${scenario.timeLimitSeconds} s passed; its processes were killed`);
    controller.abort(new Error(`time limit of ${scenario.timeLimitSeconds} s passed`));
    killAllChildren();
  }, scenario.timeLimitSeconds * 1000);
  const context: ScenarioContext = {
    signal: controller.signal,
    dir: path.join(runDir, scenario.name),
    suite,
    figures,
    problem: (message) => {
      problems.push(message);
      progress(`${scenario.name}: PROBLEM ${message}`);
    },
    progress: (message) => progress(`${scenario.name}: ${message}`),
    broke: (what, times = 1) => {
      figures.broke[what] = (figures.broke[what] ?? 0) + times;
    },
  };
  progress(`${scenario.name}: ${scenario.summary}`);
  currentScenario = context;
  const run = scenario.run(context).catch((error: unknown) => {
    if (!controller.signal.aborted) problems.push(`stopped: ${error instanceof Error ? error.message : String(error)}`);
  });
  // A scenario that does not unwind after its limit is left behind, its processes already killed.
  const unwound = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => setTimeout(resolve, UNWIND_SECONDS * 1000).unref()));
  await Promise.race([run, unwound]);
  clearTimeout(timer);
  currentScenario = undefined;
  interrupted.removeEventListener('abort', stopOnInterrupt);
  killAllChildren();
  const ok = problems.length === 0 && figures.lost === 0 && figures.duplicates === 0;
  if (!ok && problems.length === 0) problems.push(`lost ${figures.lost}, duplicates ${figures.duplicates}`);
  const { sent, accepted, stored, workflows_completed, tasks, emails, duplicates, lost, broke, ...details } = figures;
  return {
    scenario: scenario.name,
    ok,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    sent,
    accepted,
    stored,
    workflows_completed,
    tasks,
    emails,
    duplicates,
    lost,
    broke,
    ...details,
    problems,
  };
}

function totalsOf(lines: ScenarioLine[], seconds: number, logs: string | null) {
  const sum = (key: 'sent' | 'accepted' | 'stored' | 'workflows_completed' | 'tasks' | 'emails' | 'duplicates' | 'lost') => lines.reduce((total, line) => total + line[key], 0);
  const broke: Record<string, number> = {};
  for (const line of lines) for (const [what, n] of Object.entries(line.broke)) broke[what] = (broke[what] ?? 0) + n;
  return {
    suite: 'faults',
    ok: lines.every((line) => line.ok),
    scenarios: lines.length,
    passed: lines.filter((line) => line.ok).map((line) => line.scenario),
    failed: lines.filter((line) => !line.ok).map((line) => line.scenario),
    seconds,
    sent: sum('sent'),
    accepted: sum('accepted'),
    stored: sum('stored'),
    workflows_completed: sum('workflows_completed'),
    tasks: sum('tasks'),
    emails: sum('emails'),
    duplicates: sum('duplicates'),
    lost: sum('lost'),
    // SMTP's one at-least-once window, apart from duplicates (test/faults/harness/journey-checks.ts).
    emails_redelivered_after_kill: lines.reduce((total, line) => total + Number(line.emails_redelivered_after_kill ?? 0), 0),
    broke,
    logs,
  };
}

async function main(): Promise<number> {
  const scenarios = selectScenarios();
  const started = Date.now();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-faults-'));
  // The private PostgreSQL runs as `postgres` and keeps its files in here.
  fs.chmodSync(runDir, 0o755);
  progress(`logs and state in ${runDir} (kept if a scenario fails)`);

  const interrupt = new AbortController();
  let postgres: PrivatePostgres | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping every process the suite started`);
    interrupt.abort();
    killAllChildren();
    postgres?.destroy();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Even if the runner itself dies of an error, nothing it started outlives it.
  process.once('exit', () => {
    killAllChildren();
    postgres?.destroy();
  });
  // A fault can surface as a rejection nobody awaited: it fails the scenario, not the suite.
  process.on('unhandledRejection', (reason) => {
    const message = `unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`;
    if (currentScenario) currentScenario.problem(message);
    else progress(message);
  });

  const lines: ScenarioLine[] = [];
  let setupError: string | undefined;
  try {
    const workflowBundlePath = path.join(runDir, 'workflow-bundle.js');
    const [bundle, startedPostgres] = await Promise.all([
      bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
        logger: { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: (message) => progress(message), error: (message) => progress(message) },
      }),
      startPrivatePostgres(path.join(runDir, 'postgres')),
    ]);
    postgres = startedPostgres;
    fs.writeFileSync(workflowBundlePath, bundle.code);
    progress(`private PostgreSQL on port ${postgres.port}; workflows bundled once for every worker`);
    for (const scenario of scenarios) {
      const line = await runScenario(scenario, runDir, { postgres, workflowBundlePath }, interrupt.signal);
      lines.push(line);
      console.log(JSON.stringify(line));
    }
  } catch (error) {
    // Without the shared parts no scenario can run: said on the totals line.
    setupError = error instanceof Error ? error.message : String(error);
    progress(`the suite could not run: ${setupError}`);
  } finally {
    killAllChildren();
    postgres?.destroy();
  }
  const totals = { ...totalsOf(lines, Math.round((Date.now() - started) / 1000), runDir), ...(setupError ? { ok: false, error: setupError } : {}) };
  // Logs are worth keeping only when something failed.
  if (totals.ok) {
    fs.rmSync(runDir, { recursive: true, force: true });
    totals.logs = null;
  }
  console.log(JSON.stringify(totals));
  return totals.ok ? 0 : 1;
}

process.exitCode = await main();
