import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { npmStarter } from '../helpers/npm-start.ts';
import { cliRunner } from '../helpers/run-cli.ts';
import { waitFor } from '../helpers/wait-for.ts';

// The first hour on the embedded setup: `npm start` runs (and holds the database) while a person
// lists, reassigns and completes the demo's detractor tasks from another terminal with the CLI.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-cli-started-'));
const { npmStart, stopAll } = npmStarter(dataDir);
// The CLI's settings are npm start's: port 0, so it must learn the port npm start took.
const npsloop = cliRunner(dataDir, { NPSLOOP_HTTP_PORT: '0' });

afterAll(async () => {
  await stopAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

interface TaskJson {
  id: number;
  status: string;
  outcome: string | null;
  completedBy: string | null;
  enrollmentId: number;
  assignee: { email: string };
  user: { id: number; email: string };
}

describe('npsloop tasks while npm start runs', () => {
  it('lists, reassigns and completes a detractor task through the running instance, and its journey ends with the outcome', async () => {
    const started = await npmStart();
    const apiUrlFile = path.join(dataDir, 'api-url');
    expect(fs.readFileSync(apiUrlFile, 'utf8').trim()).toBe(started.apiUrl);
    expect(started.apiUrl).not.toMatch(/:3000$/);
    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const api = async (url: string) => (await fetch(`${started.apiUrl}${url}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;

    // The demo's fresh detractors get their follow-up tasks; the CLI lists them through the API.
    const open = await waitFor(async () => {
      const listed = await npsloop('tasks', 'list', '--status', 'open', '--json');
      expect(listed.code, listed.stderr).toBe(0);
      const tasks = JSON.parse(listed.stdout) as TaskJson[];
      // The demo's fresh answers hold two detractors (2 and 5).
      return tasks.length >= 2 ? tasks : undefined;
    }, "the demo's detractor tasks", 120, { intervalMs: 1_000 });
    const task = open[0]!;
    expect(JSON.parse((await npsloop('tasks', 'list', '--status', 'open', '--json')).stdout)).toEqual((await api('/tasks?status=open&limit=100')).tasks);

    // Reassigned to a CSM who holds none of them: the journey emails them.
    const assignees = new Set(open.map((t) => t.assignee.email));
    const newAssignee = demoDataset(new Date()).csms.map((csm) => String(csm.email)).find((email) => !assignees.has(email))!;
    const reassigned = await npsloop('tasks', 'reassign', String(task.id), '--to', newAssignee, '--reason', 'owns exports', '--by', 'Ann');
    expect(reassigned.code, reassigned.stderr).toBe(0);
    expect(reassigned.stderr).toBe("npsloop: --by is not passed on through the running npm start: its API records its admin token's name as who acted\n");
    expect(reassigned.stdout).toMatch(new RegExp(`^task ${task.id} reassigned to ${newAssignee.replace(/\./g, '\\.')}; due \\d{4}-\\d\\d-\\d\\dT`));
    expect((await api(`/tasks/${task.id}`)).assignee.email).toBe(newAssignee);
    const outbox = path.join(dataDir, 'outbox');
    await waitFor(async () => {
      const files = fs.readdirSync(outbox).filter((file) => file.startsWith(`journey-detractor-follow-up-user-${task.user.id}_`));
      return files.some((file) => new RegExp(`^To: .*${newAssignee}`, 'm').test(fs.readFileSync(path.join(outbox, file), 'utf8'))) ? true : undefined;
    }, "the new assignee's email from the journey");

    // Completed: the task closes with the outcome, and the journey ends with it.
    const outcome = 'Called them; exports fixed';
    const completed = await npsloop('tasks', 'complete', String(task.id), '--outcome', outcome);
    expect(completed.code, completed.stderr).toBe(0);
    expect(completed.stdout).toMatch(new RegExp(`^task ${task.id} done by .+: ${outcome}\\njourney journey-detractor-follow-up-user-${task.user.id}\\S* told: it ends with this outcome\\n$`));
    expect(await api(`/tasks/${task.id}`)).toMatchObject({ status: 'done', outcome });
    const enrollment = await waitFor(async () => {
      const current = await api(`/enrollments/${task.enrollmentId}`);
      return current.status === 'active' ? undefined : current;
    }, 'the journey to end', 60);
    expect(enrollment.status).toBe('completed');
    expect(enrollment.outcome).toContain(outcome);
    const done = JSON.parse((await npsloop('tasks', 'list', '--status', 'done', '--json')).stdout) as TaskJson[];
    expect(done.find((t) => t.id === task.id)).toMatchObject({ status: 'done', outcome });

    // Refusals read as on the direct path, with exit code 1.
    const again = await npsloop('tasks', 'complete', String(task.id), '--outcome', 'twice');
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toMatch(new RegExp(`^npsloop: task ${task.id} is already done by .+: ${outcome}\\n$`));
    const missing = await npsloop('tasks', 'reassign', '999999', '--to', newAssignee);
    expect(missing).toMatchObject({ code: 1, stderr: 'npsloop: no task with id 999999\n' });
    const nobody = await npsloop('tasks', 'reassign', String(open[1]!.id), '--to', 'nobody@cs.example');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('no CSM with id or email "nobody@cs.example"');

    // Stopped, it leaves no address behind, and the CLI says what to do.
    expect(await started.pressCtrlC()).toBe(0);
    expect(fs.existsSync(apiUrlFile)).toBe(false);
    const stopped = await npsloop('tasks', 'complete', String(task.id), '--outcome', 'late');
    expect(stopped).toMatchObject({ code: 1 });
    expect(stopped.stderr).toContain('Start npsloop with `npm start`, then run this again');
  }, 600_000);
});
