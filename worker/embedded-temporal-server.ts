import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Config } from '../config/config.ts';
import { npsloopSearchAttributes } from '../journeys/search-attributes.ts';
import { freePort } from './free-port.ts';
import { registerMissingSearchAttributes } from './register-search-attributes.ts';
import { resolveTemporalExecutable } from './temporal-binaries.ts';

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  /** The dev server's own output: its start-up banner and warnings. */
  logFile: string;
  /** SIGTERM, then SIGKILL if it has not stopped within STOP_GRACE_MS. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/**
 * Besides the ports it is given, the dev server picks free ones for its own services and binds
 * them a moment later; on a busy machine another process can take one in between, and it exits
 * at start. It is then started again, this many times in all.
 */
const START_ATTEMPTS = 3;

class PortTakenAtStartError extends Error {}

/**
 * The embedded default for orchestration: the Temporal CLI dev server, its state in a SQLite
 * file in the data folder (so journeys survive a restart), its UI on :8233, and npsloop's
 * search attributes registered so ops can filter workflows in the UI. npsloop runs the binary
 * itself, because the SDK's launcher (TestWorkflowEnvironment.createLocal) copies the server's
 * output onto this process's stdout and stderr, over what `npm start` prints; here it goes to
 * `logFile`.
 */
export async function startEmbeddedTemporal(config: Config): Promise<EmbeddedTemporal> {
  const { devServer } = config.temporal;
  fs.mkdirSync(path.dirname(devServer.dbFile), { recursive: true });
  fs.mkdirSync(path.dirname(devServer.logFile), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer(config);
    } catch (error) {
      if (!(error instanceof PortTakenAtStartError) || attempt === START_ATTEMPTS) throw error;
    }
  }
}

async function startDevServer(config: Config): Promise<EmbeddedTemporal> {
  const { devServer, namespace } = config.temporal;
  const [port, uiPort] = await Promise.all([
    devServer.port === 0 ? freePort() : ensureFree(devServer.port, 'TEMPORAL_DEV_SERVER_PORT'),
    devServer.uiPort === 0 ? freePort() : ensureFree(devServer.uiPort, 'TEMPORAL_DEV_SERVER_UI_PORT'),
  ]);
  const executable = await resolveTemporalExecutable('cli');
  const args = devServerArguments({ port, uiPort, dbFile: devServer.dbFile, namespace });
  const log = fs.openSync(devServer.logFile, 'a');
  const logFrom = fs.fstatSync(log).size;
  fs.writeSync(log, `--- ${new Date().toISOString()} ${executable.path} ${args.join(' ')}\n`);
  // In npsloop's process group (not detached): a terminal's Ctrl-C reaches it too, so it never
  // outlives an npsloop that is stopped hard.
  const server = spawn(executable.path, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<string>((resolve) => {
    server.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    server.once('error', (error) => resolve(`an error: ${error.message}`));
  });
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await stopProcess(server, exited);
  };

  const address = `127.0.0.1:${port}`;
  try {
    await untilServing(address, namespace, exited, { file: devServer.logFile, from: logFrom });
    await registerMissingSearchAttributes(address, namespace);
  } catch (error) {
    await stop();
    throw error;
  }
  // Journeys stall without it: make that loud rather than silent.
  void exited.then((how) => {
    if (!stopping) console.error(`npsloop: the Temporal dev server stopped (${how}); its log: ${devServer.logFile}`);
  });
  return { address, uiUrl: `http://127.0.0.1:${uiPort}`, logFile: devServer.logFile, stop };
}

/** The dev server's command line: `npm start`'s, and the fault suite's, which restarts it. */
export function devServerArguments({ port, uiPort, dbFile, namespace }: { port: number; uiPort?: number; dbFile: string; namespace: string }): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    '--db-filename',
    dbFile,
    '--namespace',
    namespace,
    '--log-format',
    'text',
    '--log-level',
    'warn',
    // As the SDK's launcher sets them: no version check against Temporal's servers; updates
    // (how tasks are completed and reassigned) enabled.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...npsloopSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`]),
  ];
}

/** Resolves once the namespace answers; rejects, with what its log says, if the server exits first or takes too long. */
async function untilServing(address: string, namespace: string, exited: Promise<string>, log: { file: string; from: number }): Promise<void> {
  let exit: string | undefined;
  void exited.then((how) => (exit = how));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exit !== undefined) {
      const thisStart = logSince(log);
      const message = `the Temporal dev server exited at start (${exit}); its log, ${log.file}, says:\n${logTail(thisStart)}`;
      throw /address already in use/.test(thisStart) ? new PortTakenAtStartError(message) : new Error(message);
    }
    if (Date.now() > deadline) {
      throw new Error(`the Temporal dev server did not answer on ${address} within ${READY_TIMEOUT_MS / 1000} s; its log, ${log.file}, says:\n${logTail(logSince(log))}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(100);
    }
  }
}

/** What the log file holds from a byte offset on: what one start wrote. */
function logSince({ file, from }: { file: string; from: number }): string {
  return fs.readFileSync(file).subarray(from).toString('utf8');
}

/** The end of a log, led by its panic line when it has one: a Go panic's stack is longer than the tail, and its first line says what went wrong. */
function logTail(log: string): string {
  const tail = log.slice(-4_000);
  const panic = /^panic: .*$/m.exec(log)?.[0];
  return panic && !tail.includes(panic) ? `${panic}\n…\n${tail}` : tail;
}

async function stopProcess(server: ChildProcess, exited: Promise<string>): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
  if (!stopped) {
    server.kill('SIGKILL');
    await exited;
  }
}

/** A taken port would otherwise surface as a dev-server timeout with no hint of the cause. */
async function ensureFree(port: number, variable: string): Promise<number> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  } catch (error) {
    throw new Error(
      `port ${port} is taken (is another npsloop or Temporal dev server running?); stop it, set ${variable} to another port (0: any), or set TEMPORAL_ADDRESS to use a running Temporal`,
      { cause: error },
    );
  }
  await new Promise((resolve) => server.close(resolve));
  return port;
}
