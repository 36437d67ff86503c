import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { errorResponseSchema } from '../api/api-error.ts';
import { completedTaskSchema, reassignedTaskSchema, taskListSchema, type taskSchema } from '../api/routes/tasks.ts';
import type { Config } from '../config/config.ts';
import type { DatabaseInUseError } from '../db/connect.ts';
import type { TaskView } from '../db/queries/tasks.ts';
import type { TaskStatus } from '../db/tables/tasks.ts';
import { publishedApiUrl } from '../stack/api-url-file.ts';
import type { CompletedTask } from '../tasks/complete-task.ts';
import type { ReassignedTask } from '../tasks/reassign-task.ts';
import { TaskNotFoundError } from '../tasks/task-errors.ts';

/**
 * The `npm start` that holds the embedded database, reached over its HTTP API with the admin token
 * it keeps in the data folder: the CLI's way to tasks while that process has the database and runs
 * the journeys. Answers come back in the shapes the direct path gives, refusals as its errors.
 */
export interface RunningInstance {
  url: string;
  listTasks(filter: { assignee?: string; status?: TaskStatus; overdue?: boolean; limit: number }): Promise<{ tasks: TaskView[]; total: number }>;
  completeTask(taskId: number, outcome: string): Promise<CompletedTask>;
  reassignTask(taskId: number, change: { assignee: string; reason: string | null }): Promise<ReassignedTask>;
}

/** The API takes at most this many tasks a page; the CLI's --limit goes higher. */
const API_PAGE_LIMIT = 500;
/** The API gives Temporal 10 s to answer a change, then says 503: this is only against a hang. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Finds the running instance that `inUse` reports, or throws saying what is missing. */
export function runningInstanceOf(config: Config, inUse: DatabaseInUseError): RunningInstance {
  const holder = inUse.pid ? `npsloop (process ${inUse.pid})` : 'another process';
  const url = publishedApiUrl(config.dataDir) ?? (config.http.port === 0 ? undefined : `http://${hostInUrl(config.http.host)}:${config.http.port}`);
  if (!url) throw new Error(`${holder} holds the embedded database in ${inUse.dataDir}, but has not written its API's address to ${config.dataDir}/api-url: if \`npm start\` is still starting, run this again once it says it is running`);
  const tokenFile = path.join(config.dataDir, 'admin-token');
  const token = fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() : '';
  if (token === '') throw new Error(`${holder} holds the embedded database in ${inUse.dataDir}, but there is no admin token in ${tokenFile} to use its API: restart \`npm start\`, which writes one there`);
  return runningInstanceClient({ url, token, tokenFile, holder });
}

function runningInstanceClient({ url, token, tokenFile, holder }: { url: string; token: string; tokenFile: string; holder: string }): RunningInstance {
  async function call<T>(method: 'GET' | 'POST', route: string, answer: z.ZodType<T>, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(
        `${holder} holds the embedded database, but its API does not answer at ${url} (${causeOf(error)}): ` +
          'if `npm start` is still starting, run this again once it says it is running',
      );
    }
    const text = await response.text();
    if (response.ok) {
      const parsed = answer.safeParse(parseJson(text));
      if (!parsed.success) throw new Error(`${method} ${url}${route} answered ${response.status} with something other than npsloop's answer: ${text.slice(0, 200)}`);
      return parsed.data;
    }
    const error = errorResponseSchema.safeParse(parseJson(text));
    const message = error.success ? error.data.error.message : text.slice(0, 200);
    if (response.status === 401 || response.status === 403) throw new Error(`the running npsloop at ${url} refused the admin token in ${tokenFile} (${response.status}: ${message})`);
    throw new RunningInstanceRefusal(response.status, message);
  }

  /** A task route's refusal, worded as the direct path words it: a missing task is the same error. */
  async function onTask<T>(taskId: number, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof RunningInstanceRefusal && error.status === 404) throw new TaskNotFoundError(taskId);
      throw error;
    }
  }

  return {
    url,
    async listTasks({ assignee, status, overdue, limit }) {
      const tasks: TaskView[] = [];
      let total = 0;
      // Pages until the limit is reached or there are no more.
      for (let offset = 0; tasks.length < limit; ) {
        const query = new URLSearchParams({ limit: String(Math.min(limit - tasks.length, API_PAGE_LIMIT)), offset: String(offset) });
        if (assignee !== undefined) query.set('assignee', assignee);
        if (status !== undefined) query.set('status', status);
        if (overdue) query.set('overdue', 'true');
        const page = await call('GET', `/tasks?${query}`, taskListSchema);
        tasks.push(...page.tasks.map(taskViewOf));
        total = page.total;
        offset += page.tasks.length;
        if (page.tasks.length === 0 || offset >= page.total) break;
      }
      return { tasks, total };
    },
    async completeTask(taskId, outcome) {
      const done = await onTask(taskId, () => call('POST', `/tasks/${taskId}/complete`, completedTaskSchema, { outcome }));
      return { task: taskViewOf(done.task), journey: done.journey };
    },
    async reassignTask(taskId, { assignee, reason }) {
      const moved = await onTask(taskId, () => call('POST', `/tasks/${taskId}/reassign`, reassignedTaskSchema, { assignee, ...(reason === null ? {} : { reason }) }));
      return { task: taskViewOf(moved.task), changed: moved.changed };
    },
  };
}

/** The running instance said no: its message is the one the direct path gives (409, 400, 503…). */
class RunningInstanceRefusal extends Error {
  override readonly name = 'RunningInstanceRefusal';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A task as the API sends it, back to the view the direct path prints (times as dates, no `overdue`), its fields in the same order. */
function taskViewOf({ overdue: _overdue, ...task }: z.infer<typeof taskSchema>): TaskView {
  return { ...task, dueAt: new Date(task.dueAt), createdAt: new Date(task.createdAt), completedAt: task.completedAt === null ? null : new Date(task.completedAt) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const hostInUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
