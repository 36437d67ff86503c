import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runningInstanceOf } from '../../cli/running-instance.ts';
import { loadConfig } from '../../config/config.ts';
import { DatabaseInUseError } from '../../db/connect.ts';
import { freePort } from '../../worker/free-port.ts';
import { TaskNotFoundError } from '../../tasks/task-errors.ts';

// The CLI's client for a running `npm start`, against a stand-in API: what it sends, how it reads
// the answers, and how each refusal reads. The real instance is in tasks-while-started.test.ts.

const TOKEN = 'npsloop_admin_test_token';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-running-instance-'));
const inUse = new DatabaseInUseError(path.join(dataDir, 'pglite'), 4242);
const config = (env: Record<string, string> = {}) => loadConfig({ NPSLOOP_DATA_DIR: dataDir, NPSLOOP_HTTP_PORT: '0', ...env });

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}
let seen: Seen[] = [];
let answer: (request: Seen) => { status: number; body: unknown } = () => ({ status: 500, body: {} });
const server = http.createServer((request, response) => {
  let text = '';
  request.on('data', (chunk: Buffer) => (text += chunk.toString()));
  request.on('end', () => {
    const current = { method: request.method!, url: request.url!, authorization: request.headers.authorization, body: text === '' ? undefined : JSON.parse(text) };
    seen.push(current);
    const { status, body } = answer(current);
    response.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  seen = [];
  fs.writeFileSync(path.join(dataDir, 'api-url'), `${url}\n`);
  fs.writeFileSync(path.join(dataDir, 'admin-token'), `${TOKEN}\n`);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function taskJson(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    status: 'open',
    overdue: false,
    escalationLevel: 0,
    dueAt: '2026-03-02T10:00:00.000Z',
    createdAt: '2026-03-01T10:00:00.000Z',
    completedAt: null,
    completedBy: null,
    outcome: null,
    assignee: { id: 1, email: 'ann@cs.example', name: 'Ann' },
    user: { id: 2, email: 'bo@acme.example', name: null },
    account: { id: 3, name: 'Acme' },
    response: { id: 4, score: 2, comment: 'slow' },
    enrollmentId: 5,
    journeyName: 'detractor-follow-up',
    workflowId: 'journey-detractor-follow-up-user-2',
    ...overrides,
  };
}

const apiError = (code: string, message: string) => ({ error: { code, message, requestId: 'req-1' } });

describe('the running instance, as the CLI reaches it', () => {
  it('completes and reassigns a task with the admin token, giving back the views the direct path gives', async () => {
    const instance = runningInstanceOf(config(), inUse);
    answer = ({ url: route }) =>
      route.endsWith('/complete')
        ? { status: 200, body: { task: taskJson(7, { status: 'done', completedAt: '2026-03-01T12:00:00.000Z', completedBy: 'admin', outcome: 'called' }), journey: 'signalled' } }
        : { status: 200, body: { task: taskJson(8, { assignee: { id: 9, email: 'rae@cs.example', name: 'Rae' } }), changed: true } };

    const done = await instance.completeTask(7, 'called');
    expect(done.journey).toBe('signalled');
    expect(done.task).toMatchObject({ id: 7, status: 'done', completedBy: 'admin', outcome: 'called', completedAt: new Date('2026-03-01T12:00:00.000Z'), dueAt: new Date('2026-03-02T10:00:00.000Z') });
    expect(done.task).not.toHaveProperty('overdue');
    const moved = await instance.reassignTask(8, { assignee: 'rae@cs.example', reason: null });
    expect(moved).toMatchObject({ changed: true, task: { id: 8, assignee: { email: 'rae@cs.example' } } });
    await instance.reassignTask(8, { assignee: '9', reason: 'owns exports' });

    expect(seen).toEqual([
      { method: 'POST', url: '/tasks/7/complete', authorization: `Bearer ${TOKEN}`, body: { outcome: 'called' } },
      { method: 'POST', url: '/tasks/8/reassign', authorization: `Bearer ${TOKEN}`, body: { assignee: 'rae@cs.example' } },
      { method: 'POST', url: '/tasks/8/reassign', authorization: `Bearer ${TOKEN}`, body: { assignee: '9', reason: 'owns exports' } },
    ]);
  });

  it('lists page by page up to the limit, with the filters', async () => {
    const all = Array.from({ length: 620 }, (_, i) => taskJson(i + 1));
    answer = ({ url: route }) => {
      const query = new URL(route, url).searchParams;
      const offset = Number(query.get('offset'));
      return { status: 200, body: { tasks: all.slice(offset, offset + Number(query.get('limit'))), total: all.length, limit: Number(query.get('limit')), offset } };
    };
    const listed = await runningInstanceOf(config(), inUse).listTasks({ assignee: 'ann@cs.example', status: 'open', overdue: true, limit: 1000 });
    expect(listed.total).toBe(620);
    expect(listed.tasks.map((task) => task.id)).toEqual(all.map((task) => task.id));
    expect(seen.map((request) => request.url)).toEqual([
      '/tasks?limit=500&offset=0&assignee=ann%40cs.example&status=open&overdue=true',
      '/tasks?limit=500&offset=500&assignee=ann%40cs.example&status=open&overdue=true',
    ]);
    seen = [];
    expect((await runningInstanceOf(config(), inUse).listTasks({ limit: 3 })).tasks).toHaveLength(3);
    expect(seen.map((request) => request.url)).toEqual(['/tasks?limit=3&offset=0']);
  });

  it("turns the API's refusals into the direct path's errors", async () => {
    const instance = runningInstanceOf(config(), inUse);
    answer = () => ({ status: 404, body: apiError('not_found', 'task 7 was not found') });
    const missing = await instance.completeTask(7, 'called').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(TaskNotFoundError);
    expect((missing as Error).message).toBe('no task with id 7');
    for (const [status, code, message] of [
      [409, 'task_closed', 'task 7 is already done by ann@cs.example at 2026-03-01T12:00:00.000Z: called'],
      [409, 'task_not_actionable', 'the journey did not take the change: the task is being escalated'],
      [400, 'unknown_assignee', 'no CSM with id or email "nobody@cs.example"'],
      [503, 'temporal_unavailable', 'the journey workflow journey-x did not answer (deadline exceeded); the task was not changed yet: try again'],
    ] as const) {
      answer = () => ({ status, body: apiError(code, message) });
      await expect(instance.reassignTask(7, { assignee: 'nobody@cs.example', reason: null })).rejects.toThrow(message);
    }
    answer = () => ({ status: 401, body: apiError('unauthorized', 'the token is not valid or has been revoked') });
    await expect(instance.completeTask(7, 'called')).rejects.toThrow(
      `the running npsloop at ${url} refused the admin token in ${path.join(dataDir, 'admin-token')} (401: the token is not valid or has been revoked)`,
    );
    answer = () => ({ status: 200, body: '<html>something else</html>' });
    await expect(instance.completeTask(7, 'called')).rejects.toThrow(`POST ${url}/tasks/7/complete answered 200 with something other than npsloop's answer: <html>something else</html>`);
  });

  it('says what is missing when the instance cannot be reached', async () => {
    fs.rmSync(path.join(dataDir, 'api-url'));
    expect(() => runningInstanceOf(config(), inUse)).toThrow(
      `npsloop (process 4242) holds the embedded database in ${path.join(dataDir, 'pglite')}, but has not written its API's address to ${dataDir}/api-url: if \`npm start\` is still starting, run this again once it says it is running`,
    );
    // Without the file, the configured port, where nothing listens.
    const closed = await freePort();
    await expect(runningInstanceOf(config({ NPSLOOP_HTTP_PORT: String(closed) }), inUse).completeTask(7, 'called')).rejects.toThrow(
      `npsloop (process 4242) holds the embedded database, but its API does not answer at http://127.0.0.1:${closed} (connect ECONNREFUSED 127.0.0.1:${closed}): if \`npm start\` is still starting`,
    );
    fs.rmSync(path.join(dataDir, 'admin-token'));
    expect(() => runningInstanceOf(config({ NPSLOOP_HTTP_PORT: String(closed) }), inUse)).toThrow(`but there is no admin token in ${path.join(dataDir, 'admin-token')} to use its API`);
  });
});
