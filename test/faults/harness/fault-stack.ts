import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../../db/database.ts';
import { migrateToLatest } from '../../../db/migrate.ts';
import { cliRunner } from '../../helpers/run-cli.ts';
import { type ApiCall, apiClient } from './api-client.ts';
import { createFaultSmtpServer, type FaultSmtpServer } from './fault-smtp-server.ts';
import { freePort } from '../../../worker/free-port.ts';
import { type NpsloopProcess, npsloopProcess } from './npsloop-process.ts';
import { NPSLOOP_APPLICATION_PREFIX } from './private-postgres.ts';
import type { SuiteResources } from './scenario.ts';
import { type FaultInstance, seedInstance } from './seed-instance.ts';
import { createTemporalDevServer, type TemporalDevServer } from './temporal-dev-server.ts';
import { type WebhookSender, webhookSender } from './webhook-sender.ts';

/** One scenario's whole npsloop: its own database, Temporal dev server, SMTP server, API and worker processes. */
export interface FaultStack {
  database: string;
  /** The suite's own connections to the scenario's database, for its checks (never a fault's target). */
  db: Kysely<Database>;
  temporal: TemporalDevServer;
  /** A client of the suite's own, for describing workflows. */
  temporalClient: Client;
  smtp: FaultSmtpServer;
  api: NpsloopProcess;
  apiUrl: string;
  worker: NpsloopProcess;
  /** Workers beside `worker` on the same task queue (FaultStackOptions.extraWorkers). */
  extraWorkers: NpsloopProcess[];
  admin: ApiCall;
  ingestToken: string;
  instance: FaultInstance;
  /** Signed deliveries to /webhooks/generic with the ingest token. */
  sender(runId: string): WebhookSender;
  close(): Promise<void>;
}

export interface FaultStackOptions {
  users: number;
  detractorFollowUp?: { slaHours?: number; escalationDepth?: number };
  /** Extra settings for the worker process, e.g. TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS. */
  workerEnv?: Record<string, string>;
  /** false: no worker is started (responses are stored, their workflows wait). */
  runWorker?: boolean;
  /** More worker processes on the same task queue, started with the first. */
  extraWorkers?: number;
  signal?: AbortSignal;
}

export async function startFaultStack({ postgres, workflowBundlePath }: SuiteResources, dir: string, options: FaultStackOptions): Promise<FaultStack> {
  fs.mkdirSync(dir, { recursive: true });
  const database = `npsloop_${path.basename(dir).replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        process.stderr.write(`fault stack: while closing: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  };
  try {
    const pool = new pg.Pool({ connectionString: postgres.url(database, 'fault-suite-checks'), max: 4 });
    // A restarted server drops the suite's idle connections too; the next check makes new ones.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    closers.push(() => db.destroy());
    const temporal = await createTemporalDevServer(dir);
    closers.push(() => temporal.stop('SIGKILL'));
    const smtp = await createFaultSmtpServer();
    closers.push(() => smtp.stop());
    await Promise.all([
      // Migrated here, so the API and the worker can start side by side without racing to create the schema.
      postgres.createDatabase(database).then(() => migrateToLatest(db)),
      temporal.start({ signal: options.signal }),
      smtp.start(),
    ]);
    const connection = await Connection.connect({ address: temporal.address });
    closers.push(() => connection.close());
    const temporalClient = new Client({ connection });

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const shared = {
      NPSLOOP_DATA_DIR: dir,
      TEMPORAL_ADDRESS: temporal.address,
      NPSLOOP_LINK_SECRET: randomBytes(24).toString('hex'),
      NPSLOOP_PUBLIC_URL: apiUrl,
    };
    const api = npsloopProcess('api', {
      env: {
        ...shared,
        DATABASE_URL: postgres.url(database, `${NPSLOOP_APPLICATION_PREFIX}api`),
        NPSLOOP_HTTP_HOST: '127.0.0.1',
        NPSLOOP_HTTP_PORT: String(apiPort),
        NPSLOOP_LOG_LEVEL: 'warn',
        NPSLOOP_WEBHOOK_SECRET_GENERIC: webhookSecret,
      },
      logFile: path.join(dir, 'api.log'),
      signal: options.signal,
    });
    const workerProcess = (name: string) =>
      npsloopProcess('worker', {
        env: {
          ...shared,
          DATABASE_URL: postgres.url(database, `${NPSLOOP_APPLICATION_PREFIX}${name}`),
          SMTP_URL: smtp.url(),
          TEMPORAL_WORKER_WORKFLOW_BUNDLE: workflowBundlePath,
          ...options.workerEnv,
        },
        logFile: path.join(dir, `${name}.log`),
        signal: options.signal,
      });
    const worker = workerProcess('worker');
    const extraWorkers = Array.from({ length: options.extraWorkers ?? 0 }, (_, i) => workerProcess(`worker-${i + 2}`));
    closers.push(() => api.close());
    for (const each of [worker, ...extraWorkers]) closers.push(() => each.close());

    await Promise.all([
      api.start({ signal: options.signal }),
      ...(options.runWorker === false ? [] : [worker, ...extraWorkers].map((each) => each.start({ signal: options.signal }))),
    ]);
    const [, adminToken] = await api.waitForOutput(/first admin token \(shown once, store it now\): (\S+)/, 'the first admin token', { seconds: 30, signal: options.signal });
    const admin = apiClient(apiUrl, adminToken!);
    const cli = cliRunner(dir, { DATABASE_URL: postgres.url(database, 'fault-suite-cli') });
    const [created, instance] = await Promise.all([
      cli('tokens', 'create', '--name', 'fault suite deliveries', '--role', 'ingest'),
      seedInstance(admin, { users: options.users, detractorFollowUp: options.detractorFollowUp }),
    ]);
    if (created.code !== 0) throw new Error(`npsloop tokens create failed: ${created.stderr}`);
    const ingestToken = created.stdout.trim();

    return {
      database,
      db,
      temporal,
      temporalClient,
      smtp,
      api,
      apiUrl,
      worker,
      extraWorkers,
      admin,
      ingestToken,
      instance,
      sender: (runId) => webhookSender({ apiUrl, token: ingestToken, secret: webhookSecret, runId }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
