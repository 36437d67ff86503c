import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApiLogger } from '../api/api-logger.ts';
import type { ApiApp } from '../api/api-app.ts';
import { createServer } from '../api/create-server.ts';
import { type Config, withHttpPort } from '../config/config.ts';
import { type Db, openDatabase } from '../db/connect.ts';
import { createMailTransport } from '../mail/create-transport.ts';
import { createNpsloopWorker } from '../worker/create-worker.ts';
import { startEmbeddedTemporal } from '../worker/embedded-temporal-server.ts';
import { resolveLinkSecret } from '../worker/link-secret.ts';
import { ensureSchedules } from '../worker/schedules.ts';
import { type TemporalConnectionOptions, temporalConnectionOptions } from '../worker/temporal-connection.ts';
import { buildWebAppIfStale } from '../web/build-web-app.mjs';
import { installDefaults } from './install-defaults.ts';
import { freePort } from '../worker/free-port.ts';

export interface RunningStack {
  db: Db;
  temporal: Client;
  api: ApiApp;
  apiUrl: string;
  /** Where browsers reach npsloop (NPSLOOP_PUBLIC_URL, or the API on the port it got): sign-in links lead there. */
  publicUrl: string;
  /** The Temporal UI when embedded; otherwise the cluster's address. */
  temporalUi: string | undefined;
  temporalAddress: string;
  /** The embedded Temporal dev server's own log; undefined with TEMPORAL_ADDRESS. */
  temporalLogFile: string | undefined;
  /** Where emails go when no SMTP server is configured. */
  outboxDir: string | undefined;
  /** Where the API logs: a file in the data folder, or stdout. */
  logFile: string | 'stdout';
  /** Stops the API, drains the worker, then closes Temporal and the database. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The whole application in one process, on embedded defaults wherever nothing is configured:
 * PGlite in the data folder (or DATABASE_URL), the Temporal dev server with its state in the data
 * folder (or TEMPORAL_ADDRESS), `.eml` files in the outbox (or SMTP_URL), then the worker and the
 * HTTP API.
 */
export interface StackOptions {
  /** Run the worker in this process (npm start); false for an API-only process beside separate workers. */
  worker?: boolean;
  /** API logs: JSON lines to this file, or stdout (a deployment's log collector). */
  logTo?: 'data-folder' | 'stdout';
}

export async function startStack(configured: Config, { worker: runWorker = true, logTo = 'data-folder' }: StackOptions = {}): Promise<RunningStack> {
  if (runWorker) quietTemporalRuntime();
  // Port 0 asks for any free port: take one now, so that links in emails name the port the API gets.
  let config = configured.http.port === 0 ? withHttpPort(configured, await freePort(configured.http.host)) : configured;
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error(`npsloop: while stopping: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    const db = await openDatabase(config.database);
    cleanups.push(() => db.close());
    await installDefaults(db.kysely);
    const linkSecret = resolveLinkSecret(config);

    let temporalUi: string | undefined;
    let temporalLogFile: string | undefined;
    let temporalOptions: TemporalConnectionOptions;
    if (config.temporal.address) {
      temporalOptions = temporalConnectionOptions(config.temporal);
    } else {
      const embedded = await startEmbeddedTemporal(config);
      cleanups.push(() => embedded.stop());
      temporalOptions = { address: embedded.address, tls: false };
      temporalUi = embedded.uiUrl;
      // Enrollments link their workflows to the UI npm start runs, unless another UI is configured.
      config = { ...config, temporal: { ...config.temporal, uiUrl: config.temporal.uiUrl ?? embedded.uiUrl } };
      temporalLogFile = embedded.logFile;
    }
    let connection: NativeConnection | undefined;
    if (runWorker) {
      const native = await NativeConnection.connect(temporalOptions);
      cleanups.push(() => native.close());
      connection = native;
    }
    const clientConnection = await Connection.connect(temporalOptions);
    cleanups.push(() => clientConnection.close());
    const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });

    if (connection) {
      const mailer = createMailTransport(config.mail);
      cleanups.push(() => mailer.close());
      const worker = await createNpsloopWorker({ config, db: db.kysely, connection, temporal, mailer, linkSecret });
      const running = worker.run();
      cleanups.push(async () => {
        if (worker.worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      });
      // A worker that dies takes the journeys with it: make that loud rather than silent.
      running.catch((error: unknown) => console.error(`npsloop: the worker stopped: ${error instanceof Error ? error.message : String(error)}`));
      await ensureSchedules(temporal, config.temporal.taskQueue, config.timeZone);
    }

    const logFile = logTo === 'stdout' ? 'stdout' : path.join(config.dataDir, 'logs', 'api.log');
    // Installs build it already; this catches sources changed since (a pull, an edit).
    await buildWebAppIfStale({ log: (line) => console.log(line) });
    const api = await createServer({
      db: db.kysely,
      temporal,
      config,
      reviewLinks: { publicBaseUrl: config.publicUrl, secret: linkSecret },
      logger: createApiLogger(config.logLevel, logFile),
    });
    cleanups.push(() => api.close());
    await api.listen({ host: config.http.host, port: config.http.port });
    const { port } = api.server.address() as { port: number };

    return {
      db,
      temporal,
      api,
      apiUrl: `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`,
      publicUrl: config.publicUrl,
      temporalUi,
      temporalAddress: temporalOptions.address,
      temporalLogFile,
      outboxDir: runWorker && !config.mail.smtpUrl ? config.mail.outboxDir : undefined,
      logFile,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The stack stops its parts itself, in order (API, worker, Temporal, database), so the Temporal
 * runtime must not react to Ctrl-C on its own; and its info logs (bundling, worker states) would
 * drown what `npm start` prints. Only the first call in a process can set this.
 */
function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // Already installed by an earlier start in this process: it keeps its settings.
  }
}
