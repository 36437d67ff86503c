import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { waitFor } from '../../helpers/wait-for.ts';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process the suite started: its output goes to a log file, and the latest of it stays at hand. */
export interface ChildHandle {
  readonly exited: Promise<ChildExit>;
  isRunning(): boolean;
  /** The last 256 KiB of stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** Resolves with the first match in the output; rejects if the process exits first or time runs out. */
  waitForOutput(pattern: RegExp, what: string, options: { seconds: number; signal?: AbortSignal }): Promise<RegExpExecArray>;
  /** Sends the signal and waits for the process to be gone. */
  kill(signal: NodeJS.Signals): Promise<ChildExit>;
}

const OUTPUT_KEPT = 256 * 1024;

/** Every child still running, so that a timeout, a failure or Ctrl-C can end them all. */
const liveChildren = new Set<ChildProcess>();

/** SIGKILLs every child the suite started that is still running; synchronous, for exit paths. */
export function killAllChildren(): number {
  let killed = 0;
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) killed += 1;
  }
  return killed;
}

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string },
): ChildHandle {
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  log.write(`--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let recent = '';
  const take = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<ChildExit>((resolve) => {
    // 'close' rather than 'exit': the output is complete by then.
    child.once('close', (code, signal) => {
      liveChildren.delete(child);
      log.end(`--- ${new Date().toISOString()} exited: code ${code} signal ${signal}\n`);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      liveChildren.delete(child);
      take(Buffer.from(`failed to start ${command}: ${error.message}\n`));
      log.end();
      resolve({ code: null, signal: null });
    });
  });
  const isRunning = () => liveChildren.has(child);
  return {
    exited,
    isRunning,
    output: () => recent,
    async waitForOutput(pattern, what, { seconds, signal }) {
      return waitFor(
        async () => {
          const match = pattern.exec(recent);
          if (match) return match;
          if (!isRunning()) throw new Error(`${name} exited before ${what}; its last output:\n${recent.slice(-4000)}`);
          return undefined;
        },
        `${name}: ${what}`,
        seconds,
        { signal, intervalMs: 100 },
      );
    },
    async kill(signal) {
      if (isRunning()) child.kill(signal);
      return exited;
    },
  };
}
