import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import { runCli } from '../../cli/main.ts';
import { openDatabase } from '../../db/connect.ts';
import type { detractorFollowUpWorkflow } from '../../workflows/index.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { closeJourneyHarness, createJourneyHarness, installJourneys, type JourneyHarness } from '../helpers/journey-scenarios.ts';
import { withRunningFollowUp } from '../helpers/running-follow-up.ts';
import { createTestDatabase, describeOnPostgres } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

const HOUR_MS = 3_600_000;
const dataDirs: string[] = [];

/** A data folder of its own: the CLI's embedded database lives in `<dir>/pglite`. */
function newDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-cli-tasks-'));
  dataDirs.push(dir);
  return dir;
}

/** The CLI's database, opened by the test while the CLI does not have it (PGlite is single-process). */
const openDataDir = (dataDir: string) => openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });

/**
 * Runs the CLI's entry point (what bin/npsloop.mjs runs) in this process, on the folder's
 * embedded database, with no Temporal unless `env` names one; what it prints is captured. In
 * process because a child process starts tsx anew each time: too slow for this many commands.
 */
async function npsloop(dataDir: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  delete process.env.DATABASE_URL;
  delete process.env.TEMPORAL_ADDRESS;
  Object.assign(process.env, { NPSLOOP_DATA_DIR: dataDir, ...env });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (...parts: unknown[]) => void into.push(`${parts.map(String).join(' ')}\n`);
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(capture(stdout)),
    vi.spyOn(console, 'error').mockImplementation(capture(stderr)),
    // Commander writes help and its own usage errors straight to the streams.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0),
  ];
  try {
    const code = await runCli(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

afterAll(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npsloop tasks and journeys', () => {
  const dataDir = newDataDir();
  const cli = (...args: string[]) => npsloop(dataDir, {}, ...args);
  let seeded: { annTaskId: number; benTaskId: number; annEnrollmentId: number };

  beforeAll(async () => {
    const db = await openDataDir(dataDir);
    try {
      const k = db.kysely;
      const now = Date.now();
      const ann = await seedEnrolledDetractor(k, { csmEmail: 'ann@cs.example', userEmail: 'bo@acme.example', accountName: 'Acme', respondedAt: new Date(now - 60 * HOUR_MS) });
      const ben = await seedEnrolledDetractor(k, { csmEmail: 'ben@cs.example', userEmail: 'cy@globex.example', accountName: 'Globex', respondedAt: new Date(now - HOUR_MS) });
      const annTask = await seedTask(k, ann);
      const benTask = await seedTask(k, ben);
      seeded = { annTaskId: annTask.id, benTaskId: benTask.id, annEnrollmentId: ann.enrollmentId };
    } finally {
      await db.close();
    }
  }, 120_000);

  it('answers --help on every command with exit code 0', async () => {
    for (const command of [['tasks'], ['tasks', 'list'], ['tasks', 'complete'], ['tasks', 'reassign'], ['journeys'], ['journeys', 'status']]) {
      const result = await cli(...command, '--help');
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: npsloop');
    }
  }, 120_000);

  it('exits with 2 on a usage error and says what was wrong', async () => {
    const badStatus = await cli('tasks', 'list', '--status', 'closed');
    expect(badStatus).toMatchObject({ code: 2 });
    expect(badStatus.stderr).toContain('--status: expected one of open, done, cancelled, not "closed"');
    const badId = await cli('tasks', 'complete', 'seven', '--outcome', 'called');
    expect(badId).toMatchObject({ code: 2 });
    expect(badId.stderr).toContain('<id>: expected a task id');
    expect((await cli('tasks', 'complete', '1')).code).toBe(2);
    expect((await cli('tasks', 'reassign', '1')).code).toBe(2);
  }, 120_000);

  it('lists tasks, soonest due first, with filters', async () => {
    const all = await cli('tasks', 'list', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject([
      { id: seeded.annTaskId, status: 'open', overdue: true, assignee: { email: 'ann@cs.example' }, user: { email: 'bo@acme.example' }, account: { name: 'Acme' } },
      { id: seeded.benTaskId, status: 'open', overdue: false, assignee: { email: 'ben@cs.example' } },
    ]);
    expect(JSON.parse((await cli('tasks', 'list', '--assignee', 'ben@cs.example', '--json')).stdout).map((t: { id: number }) => t.id)).toEqual([seeded.benTaskId]);
    expect(JSON.parse((await cli('tasks', 'list', '--overdue', '--json')).stdout).map((t: { id: number }) => t.id)).toEqual([seeded.annTaskId]);
    const table = await cli('tasks', 'list', '--status', 'open');
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+status\s+due\s+level\s+assignee\s+user\s+account\s+score\s+outcome$/);
    expect(table.stdout).toMatch(new RegExp(`${seeded.annTaskId}\\s+overdue\\s+.*ann@cs\\.example\\s+bo@acme\\.example\\s+Acme\\s+3`));
    const unknown = await cli('tasks', 'list', '--assignee', 'nobody@cs.example');
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('no CSM with id or email "nobody@cs.example"');
  }, 120_000);

  it('sums up each journey, and shows one enrollment', async () => {
    const status = await cli('journeys', 'status', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      { journeyName: 'detractor-follow-up', enabled: true, active: 2, completed: 0, cancelled: 0, failed: 0, escalated: 0, openTasks: 2, overdueTasks: 1 },
      { journeyName: 'promoter-review-request', enabled: false, active: 0, completed: 0, cancelled: 0, failed: 0, escalated: 0, openTasks: 0, overdueTasks: 0 },
    ]);
    const one = await cli('journeys', 'status', '--journey', 'detractor-follow-up');
    expect(one.stdout.split('\n')[0]).toMatch(/^journey\s+enabled\s+active\s+completed\s+cancelled\s+failed\s+escalated\s+open tasks\s+overdue$/);
    expect(one.stdout).toMatch(/detractor-follow-up\s+yes\s+2\s+0\s+0\s+0\s+0\s+2\s+1/);
    const unknown = await cli('journeys', 'status', '--journey', 'nope');
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('no journey named "nope"');

    const enrollment = await cli('journeys', 'status', String(seeded.annEnrollmentId));
    expect(enrollment.code, enrollment.stderr).toBe(0);
    expect(enrollment.stdout).toContain(`enrollment ${seeded.annEnrollmentId}: detractor-follow-up v1, active`);
    expect(enrollment.stdout).toContain('user bo@acme.example at Acme');
    expect(enrollment.stdout).toMatch(/workflow journey-detractor-follow-up-user-\d+/);
    expect(enrollment.stdout).toContain('now: unknown (TEMPORAL_ADDRESS is not set');
    expect(enrollment.stdout).toMatch(new RegExp(`${seeded.annTaskId}\\s+0\\s+ann@cs\\.example\\s+open`));
    expect((await cli('journeys', 'status', '999999')).stderr).toContain('no enrollment with id 999999');
  }, 120_000);

  it('refuses to complete or reassign without a running npsloop or a reachable Temporal, and changes nothing', async () => {
    // The embedded setup's journeys run in `npm start`, which is not running here.
    const notStarted = await cli('tasks', 'complete', String(seeded.annTaskId), '--outcome', 'called');
    expect(notStarted).toMatchObject({ code: 1 });
    expect(notStarted.stderr).toBe('npsloop: completing a task: npsloop is not running. Start npsloop with `npm start`, then run this again: the task\'s journey runs in it\n');
    const unreachable = await npsloop(dataDir, { TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'tasks', 'reassign', String(seeded.annTaskId), '--to', 'ben@cs.example');
    expect(unreachable).toMatchObject({ code: 1 });
    expect(unreachable.stderr).toContain('cannot reach Temporal at 127.0.0.1:1 (TEMPORAL_ADDRESS)');
    const [task] = JSON.parse((await cli('tasks', 'list', '--assignee', 'ann@cs.example', '--json')).stdout);
    expect(task).toMatchObject({ id: seeded.annTaskId, status: 'open', outcome: null });
  }, 120_000);
});

/**
 * The CLI against a real journey on the time-skipping server, on a PostgreSQL database it shares
 * with the test's worker: completing or reassigning goes through the journey's workflow, which a
 * worker runs while the CLI waits for its answer. (An embedded database is open in one process at
 * a time, so there the CLI cannot act beside a running worker at all.)
 */
describeOnPostgres('npsloop tasks with a running journey', () => {
  let harness: JourneyHarness;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    [harness, database] = await Promise.all([createJourneyHarness(), createTestDatabase('postgres')]);
  }, 600_000);

  afterAll(async () => {
    if (harness) await closeJourneyHarness(harness);
    await database?.drop();
  });

  it('reassigns a task and completes it, and the journey ends with the outcome', async () => {
    const { db } = database;
    const { env, smtp } = harness;
    const settings = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', DATABASE_URL: database.url! };
    const run = (...args: string[]) => npsloop(newDataDir(), settings, ...args);
    await installJourneys(db);
    await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other' }).execute();
    await withRunningFollowUp(harness, db, async ({ taskId, userId }) => {
      const reassigned = await run('tasks', 'reassign', String(taskId), '--to', 'rae@cs.example', '--reason', 'Rae owns exports');
      expect(reassigned.code, reassigned.stderr).toBe(0);
      expect(reassigned.stdout).toContain(`task ${taskId} reassigned to rae@cs.example`);
      await waitFor(async () => (smtp.received.some((m) => m.to.includes('rae@cs.example')) ? true : undefined), "the new assignee's email");

      const completed = await run('tasks', 'complete', String(taskId), '--outcome', 'called Bo, exports fixed', '--by', 'rae@cs.example');
      expect(completed.code, completed.stderr).toBe(0);
      expect(completed.stdout).toContain(`task ${taskId} done by rae@cs.example: called Bo, exports fixed`);
      expect(completed.stdout).toContain('it ends with this outcome');
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      const outcome = 'completed by rae@cs.example at escalation level 0: called Bo, exports fixed';
      expect((await journey.result()).outcome).toBe(outcome);
      expect(await db.kysely.selectFrom('enrollments').select(['status', 'outcome']).executeTakeFirst()).toEqual({ status: 'completed', outcome });

      const again = await run('tasks', 'complete', String(taskId), '--outcome', 'twice');
      expect(again).toMatchObject({ code: 1 });
      expect(again.stderr).toContain(`task ${taskId} is already done by rae@cs.example`);
    });
  }, 300_000);
});
