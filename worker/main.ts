// The worker process: `node bin/npsloop-worker.mjs`. Connects to TEMPORAL_ADDRESS (a cluster or
// Temporal Cloud), runs the journeys and their activities, and stops cleanly on SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/connect.ts';
import { createMailTransport } from '../mail/create-transport.ts';
import { createNpsloopWorker } from './create-worker.ts';
import { resolveLinkSecret } from './link-secret.ts';
import { ensureSchedules } from './schedules.ts';
import { temporalConnectionOptions } from './temporal-connection.ts';

const config = loadConfig();
const options = temporalConnectionOptions(config.temporal);
const db = await openDatabase(config.database);
const connection = await NativeConnection.connect(options);
const clientConnection = await Connection.connect(options);
const mailer = createMailTransport(config.mail);
const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
const npsloopWorker = await createNpsloopWorker({
  config,
  db: db.kysely,
  connection,
  temporal,
  mailer,
  linkSecret: resolveLinkSecret(config),
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`npsloop worker: ${signal}, finishing the tasks in hand`);
    npsloopWorker.shutdown();
  });
}

await ensureSchedules(temporal, config.temporal.taskQueue, config.timeZone);
console.log(`npsloop worker: task queue ${config.temporal.taskQueue} on ${options.address} (namespace ${config.temporal.namespace})`);
try {
  await npsloopWorker.run();
} finally {
  mailer.close();
  await clientConnection.close();
  await connection.close();
  await db.close();
}
console.log('npsloop worker: stopped');
