import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { npmStarter } from '../helpers/npm-start.ts';
import { waitFor } from '../helpers/wait-for.ts';

// The whole stack exactly as `npm start` runs it: the real CLI in a child process, on a fresh data
// folder, with the embedded dev server, PGlite, the worker and the API; driven over HTTP only.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-stack-'));
const { npmStart, stopAll } = npmStarter(dataDir);

afterAll(async () => {
  // A failed test must not leave npsloop (and its dev server) running.
  await stopAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npm start, the whole stack', () => {
  it('takes a webhook, moves the account NPS, runs the detractor journey to its end, and stops cleanly', async () => {
    const started = await npmStart();
    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const secret = fs.readFileSync(path.join(dataDir, 'webhook-secret-generic'), 'utf8').trim();
    const api = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(`${started.apiUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    // A demo user who is not among the demo's fresh answers, so no journey holds them yet.
    const demo = demoDataset(new Date());
    const user = demo.users[20]!;
    const accountName = demo.accounts.find((a) => a.externalId === user.accountExternalId)!.name;
    const grid = await api('GET', '/accounts/nps?window=this_month&limit=500');
    expect(grid.status).toBe(200);
    const before = grid.body.accounts.find((row: { account: { name: string } }) => row.account.name === accountName);
    expect(before).toBeDefined();
    const accountId: number = before.account.id;
    const countBefore = (await api('GET', `/accounts/${accountId}/nps?window=this_month`)).body;

    // 1. a webhook comes in
    const body = JSON.stringify({ id: 'stack-test-1', email: user.email, score: 1, respondedAt: new Date().toISOString(), comment: 'Nothing works since the upgrade.' });
    const webhook = await fetch(`${started.apiUrl}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...standardWebhookHeaders(secret, body, { id: 'stack-test-event-1' }) },
      body,
    });
    expect(webhook.status).toBe(202);
    expect(await webhook.json()).toMatchObject({ inserted: 1, rejected: [] });

    // 2. the account's NPS changes
    const total = (view: any) => view.windows[0].total as number;
    const after = await waitFor(async () => {
      const current = (await api('GET', `/accounts/${accountId}/nps?window=this_month`)).body;
      return total(current) === total(countBefore) ? undefined : current;
    }, "the account's NPS to change");
    expect(total(after)).toBe(total(countBefore) + 1);
    expect(after.windows[0].detractors).toBe(countBefore.windows[0].detractors + 1);

    // 3. a detractor task appears, for the CSM who owns the account
    const task = await waitFor(async () => {
      const open = await api('GET', '/tasks?status=open&limit=500');
      return open.body.tasks.find((t: { user: { email: string } }) => t.user.email === user.email);
    }, 'the detractor follow-up task', 60);
    expect(task.account.id).toBe(accountId);
    const outbox = path.join(dataDir, 'outbox');
    const email = await waitFor(async () => {
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox) : [];
      return files.find((file) => file.startsWith(`journey-detractor-follow-up-user-${task.user.id}_`) && file.includes('task-0'));
    }, "the CSM's task email in the outbox");
    expect(fs.readFileSync(path.join(outbox, email), 'utf8')).toContain(`To: ${task.assignee.email}`);

    // 4. completing the task finishes the workflow
    const completed = await api('POST', `/tasks/${task.id}/complete`, { outcome: 'Called them; the upgrade bug is fixed.' });
    expect(completed.status).toBe(200);
    const enrollment = await waitFor(async () => {
      const { body: current } = await api('GET', `/enrollments/${task.enrollmentId}`);
      return current.status === 'active' ? undefined : current;
    }, 'the journey to end', 60);
    expect(enrollment.status).toBe('completed');
    // npm start links each enrollment to its workflow in the dev server's own UI.
    expect(enrollment.temporalUiUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows/${encodeURIComponent(enrollment.workflowId)}$`));

    expect(await started.pressCtrlC()).toBe(0);
    expect(started.output()).toContain('npsloop: stopped');

    // The Temporal dev server's own output (its banner, its warnings as it stops) is in its log
    // file, which the printout names, and not in the printout.
    const temporalLog = path.join(dataDir, 'logs', 'temporal.log');
    expect(started.output()).toContain(`Temporal log  ${temporalLog}`);
    // The CLI hint runs as printed from the project folder, where npsloop is not on PATH.
    expect(started.output()).toContain('CLI           node bin/npsloop.mjs --help');
    expect(fs.readFileSync(temporalLog, 'utf8')).toMatch(/^Temporal Server: +localhost:\d+$/m);
    expect(started.output()).not.toMatch(/Temporal Server:|Temporal CLI|level=(DEBUG|INFO|WARN|ERROR)/);

    // A second start keeps the data (and loads no demo over it), and says again how to sign in as admin.
    const again = await npmStart();
    expect(again.output()).toContain('keeping the data already there');
    const tokenFile = path.join(dataDir, 'admin-token');
    expect(again.output()).toContain(`admin token   in ${tokenFile}   (curl -H "Authorization: Bearer $(cat ${tokenFile})" ${again.apiUrl}/accounts/nps)`);
    expect(fs.readFileSync(tokenFile, 'utf8').trim()).toBe(token);
    const kept = await fetch(`${again.apiUrl}/tasks/${task.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await kept.json()) as { status: string }).status).toBe('done');
    expect(await again.pressCtrlC()).toBe(0);
  }, 600_000);
});
