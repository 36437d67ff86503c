import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type ChildExit, type ChildHandle, spawnChild } from './child-process.ts';

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** What `serve` and the worker print once they are up (cli/commands/serve.ts, worker/main.ts). */
const READY = {
  api: /npsloop: API on (http:\/\/\S+)/,
  worker: /npsloop worker: task queue/,
} as const;

const COMMANDS = {
  api: [path.join(projectRoot, 'bin/npsloop.mjs'), 'serve'],
  worker: [path.join(projectRoot, 'bin/npsloop-worker.mjs')],
} as const;

/** Settings the suite's own environment must not pass on: each process gets exactly the stack's. */
const STACK_SETTING = /^(NPSLOOP_|DATABASE_URL$|SMTP_URL$|TEMPORAL_(ADDRESS|NAMESPACE|TASK_QUEUE|API_KEY|TLS|WORKER_))/;

/** How long a supervisor waits before starting a process that died by itself again. */
const RESTART_DELAY_MS = 1_000;

export interface UnexpectedExit extends ChildExit {
  /** The end of what it printed. */
  output: string;
}

/**
 * The API (`npsloop serve`) or the worker (`npsloop-worker`) as its own process, started again
 * as often as a scenario kills it. An exit the scenario did not cause is recorded: the system
 * must survive what the scenario breaks without dying itself. Like a process supervisor
 * (systemd, Kubernetes), the handle then starts it again, so that the rest of the scenario still
 * measures something; the death stays recorded as a failure.
 */
export interface NpsloopProcess {
  kind: 'api' | 'worker';
  start(options: { signal?: AbortSignal }): Promise<void>;
  /** Kills it on purpose (SIGKILL: a crash) and waits until it is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Kills it for good: no restart follows. */
  close(): Promise<void>;
  unexpectedExits: UnexpectedExit[];
  /** When each SIGKILL was sent (epoch ms). */
  sigkills: number[];
  /** Everything it printed since its last start (the latest 256 KiB). */
  output(): string;
  waitForOutput(pattern: RegExp, what: string, options: { seconds: number; signal?: AbortSignal }): Promise<RegExpExecArray>;
}

export interface NpsloopProcessOptions {
  env: Record<string, string>;
  logFile: string;
  /** The scenario's: once it is aborted (time limit, Ctrl-C), a death is the suite's doing. */
  signal?: AbortSignal;
}

export function npsloopProcess(kind: 'api' | 'worker', options: NpsloopProcessOptions): NpsloopProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !STACK_SETTING.test(name)));
  const env = { ...inherited, ...options.env };
  let current: ChildHandle | undefined;
  let killing = false;
  let closed = false;
  let restarting: Promise<void> = Promise.resolve();

  const diedByItself = (child: ChildHandle, exit: ChildExit) => {
    handle.unexpectedExits.push({ ...exit, output: child.output().slice(-3000) });
    restarting = sleep(RESTART_DELAY_MS).then(async () => {
      if (closed || current !== child) return;
      try {
        await handle.start({});
      } catch {
        // Recorded by the next exit, or seen by the checks: a process that will not start serves nothing.
      }
    });
  };

  const handle: NpsloopProcess = {
    kind,
    unexpectedExits: [],
    sigkills: [],
    async start({ signal }) {
      if (closed) throw new Error(`the ${kind} was closed`);
      if (current?.isRunning()) throw new Error(`the ${kind} is already running`);
      const [script, ...args] = COMMANDS[kind];
      const child = spawnChild(kind, process.execPath, [script, ...args], { env, logFile: options.logFile, cwd: projectRoot });
      current = child;
      void child.exited.then((exit) => {
        if (!killing && !closed && !options.signal?.aborted && current === child) diedByItself(child, exit);
      });
      await child.waitForOutput(READY[kind], 'ready', { seconds: 120, signal });
    },
    async kill(signal) {
      if (!current) return;
      killing = true;
      if (signal === 'SIGKILL') handle.sigkills.push(Date.now());
      try {
        await current.kill(signal);
      } finally {
        killing = false;
      }
    },
    async close() {
      closed = true;
      await restarting;
      await current?.kill('SIGKILL');
    },
    output: () => current?.output() ?? '',
    waitForOutput(pattern, what, waitOptions) {
      if (!current) throw new Error(`the ${kind} was never started`);
      return current.waitForOutput(pattern, what, waitOptions);
    },
  };
  return handle;
}
