import path from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalExecutable } from '../../../worker/temporal-binaries.ts';
import { devServerArguments } from '../../../worker/embedded-temporal-server.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { type ChildHandle, spawnChild } from './child-process.ts';
import { freePort } from '../../../worker/free-port.ts';

/**
 * The Temporal CLI dev server as a child process of the suite, with its state in a SQLite file,
 * on `npm start`'s command line (worker/embedded-temporal-server.ts), headless: it can be killed
 * and started again on the same port with the same state.
 */
export interface TemporalDevServer {
  address: string;
  start(options?: { signal?: AbortSignal }): Promise<void>;
  /** SIGKILL: a crash. SIGTERM: an orderly stop. */
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

export async function createTemporalDevServer(dir: string): Promise<TemporalDevServer> {
  const executable = await resolveTemporalExecutable('cli');
  if (executable.type !== 'existing-path') {
    throw new Error('the fault suite runs the Temporal CLI as its own process: set TEMPORAL_CLI_PATH or put `temporal` on PATH');
  }
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = devServerArguments({ port, dbFile: path.join(dir, 'temporal.sqlite'), namespace: 'default' });
  let server: ChildHandle | undefined;
  return {
    address,
    async start({ signal } = {}) {
      if (server?.isRunning()) throw new Error('the Temporal dev server is already running');
      const started = spawnChild('temporal', executable.path, args, { env: process.env, logFile: path.join(dir, 'temporal.log') });
      server = started;
      await waitFor(
        async () => {
          if (!started.isRunning()) throw new Error(`the Temporal dev server exited at start:\n${started.output().slice(-4000)}`);
          try {
            const connection = await Connection.connect({ address, connectTimeout: 1_000 });
            try {
              await connection.workflowService.describeNamespace({ namespace: 'default' });
              return true;
            } finally {
              await connection.close();
            }
          } catch {
            return undefined;
          }
        },
        'the Temporal dev server to serve',
        60,
        { signal, intervalMs: 200 },
      );
    },
    async stop(signal) {
      await server?.kill(signal);
    },
  };
}
