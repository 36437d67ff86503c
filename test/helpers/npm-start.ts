import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './wait-for.ts';

const bin = path.resolve('bin/npsloop.mjs');

export interface StartedNpsloop {
  child: ChildProcess;
  output: () => string;
  /** What npm start printed as its HTTP API. */
  apiUrl: string;
  exited: Promise<number | null>;
  /** Ctrl-C, as a terminal sends it; resolves with the exit code. */
  pressCtrlC: () => Promise<number | null>;
}

/**
 * `npm start` as a person runs it: the real CLI in a child process on the embedded defaults
 * (DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL removed), on `dataDir`, every port chosen free at
 * start. Resolves once it says it is running. `stopAll` stops whatever a failed test left running.
 */
export function npmStarter(dataDir: string): { npmStart: (...args: string[]) => Promise<StartedNpsloop>; stopAll: () => Promise<void> } {
  const running = new Set<ChildProcess>();

  async function npmStart(...args: string[]): Promise<StartedNpsloop> {
    const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _temporal, SMTP_URL: _smtp, ...inherited } = process.env;
    const child = spawn('node', [bin, 'start', ...args], {
      env: { ...inherited, NPSLOOP_DATA_DIR: dataDir, NPSLOOP_HTTP_PORT: '0', TEMPORAL_DEV_SERVER_PORT: '0', TEMPORAL_DEV_SERVER_UI_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const apiUrl = await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`npsloop start exited with ${child.exitCode}:\n${output}`);
      return output.includes('npsloop is running') ? /HTTP API\s+(http:\/\/\S+)/.exec(output)?.[1] : undefined;
    }, 'npsloop start to be running', 180);
    const pressCtrlC = () => {
      child.kill('SIGINT');
      return exited;
    };
    return { child, output: () => output, apiUrl, exited, pressCtrlC };
  }

  /** Ctrl-C, then a kill if it has not stopped within its shutdown time. */
  async function stopAll(): Promise<void> {
    await Promise.all(
      [...running].filter((child) => child.exitCode === null && child.signalCode === null).map(async (child) => {
        const stopped = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 30_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve(true);
          });
          child.kill('SIGINT');
        });
        if (!stopped) child.kill('SIGKILL');
      }),
    );
  }

  return { npmStart, stopAll };
}
