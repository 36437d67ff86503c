/**
 * npm run bench:webhooks — the real API listening on 127.0.0.1 (a random port) over PGlite, or
 * PostgreSQL when DATABASE_URL is set, takes signed POST /webhooks/generic deliveries from
 * autocannon in a second process for BENCH_SECONDS (60), each a new event for a known user.
 * Once the server has finished every request it took, the rows are counted: every delivery
 * answered 2xx must be stored. No worker runs, so each stored response leaves a pending
 * response_workflow_starts row.
 * Last line: {"req_per_s", "p99_ms", "p99_limit_ms": 200, "accepted", "stored", "lost", …};
 * exits 1 when p99 ≥ 200 ms or an accepted delivery was not stored. Ends within BENCH_SECONDS plus
 * 5 minutes, or stops and exits 1 with the reason, the server and the driver stopped
 * (bench/support/run-bench.ts); a driver that fails or a request still being handled 30 s after the
 * load ended fails it too.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { AddressInfo } from 'node:net';
import { createServer } from '../api/create-server.ts';
import { loadConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { createApiToken } from '../db/queries/api-tokens.ts';
import { openBenchDatabase, printResult, seedInstance } from './support/bench-database.ts';
import { trackInFlightRequests } from './support/in-flight-requests.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';
import { countStored, type DriveOptions, driveWebhooks } from './support/webhook-load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const P99_LIMIT_MS = 200;
const ACCOUNTS = 500;
const USERS = 10_000;
/** How long the server may still be handling requests once the driver has ended. */
const DRAIN_TIMEOUT_MS = 30_000;
/** The driver's own bound: its run, plus starting up and writing its results. */
const DRIVER_TIMEOUT_MS = (SECONDS + 60) * 1000;

const countRows = async (db: Kysely<Database>, table: 'nps_responses' | 'rejected_responses' | 'response_workflow_starts' | 'webhook_events') =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

async function main(run: BenchRun): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-bench-webhooks-'));
  run.onEnd(`the work folder ${workDir}`, () => fs.rmSync(workDir, { recursive: true, force: true }));
  const { db, backend } = await openBenchDatabase('webhooks', run);
  await seedInstance(db, ACCOUNTS, USERS);
  const { token } = await createApiToken(db.kysely, { name: 'bench ingest', role: 'ingest' });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const config = loadConfig({ NPSLOOP_DATA_DIR: workDir, NPSLOOP_WEBHOOK_SECRET_GENERIC: secret });
  const app = await createServer({
    db: db.kysely,
    // No route under test talks to Temporal; the client connects only when used.
    temporal: new Client(),
    config,
    reviewLinks: { publicBaseUrl: config.publicUrl, secret: randomBytes(32).toString('hex') },
    logger: false,
  });
  // Requests the driver hung up on still run to their end: counting waits until none is left.
  const inFlight = trackInFlightRequests(app);
  run.onEnd('the API server', () => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  process.stderr.write(`${backend}: API on 127.0.0.1:${port}, ${USERS} users; ${CONNECTIONS} connections for ${SECONDS} s\n`);

  const acceptedFile = path.join(workDir, 'accepted.txt');
  const runId = `bench-${Date.now().toString(36)}`;
  const options: DriveOptions = { url: `http://127.0.0.1:${port}`, token, secret, seconds: SECONDS, connections: CONNECTIONS, users: USERS, scores: 'varied', runId, acceptedFile };
  const drive = await driveWebhooks(options, { timeoutMs: DRIVER_TIMEOUT_MS, signal: run.signal });

  process.stderr.write(`load ended; ${inFlight.count()} request(s) still being handled\n`);
  await inFlight.drained(DRAIN_TIMEOUT_MS);
  const acceptedIds = fs.readFileSync(acceptedFile, 'utf8').split('\n').filter((id) => id !== '');
  const stored = await countStored(db.kysely, acceptedIds);
  const storedTotal = await countRows(db.kysely, 'nps_responses');
  const result = {
    backend,
    seconds: SECONDS,
    connections: CONNECTIONS,
    req_per_s: Math.round(drive.req_per_s),
    p50_ms: drive.latency_ms.p50,
    p97_5_ms: drive.latency_ms.p97_5,
    p99_ms: drive.latency_ms.p99,
    p99_limit_ms: P99_LIMIT_MS,
    max_ms: drive.latency_ms.max,
    requests: drive.requests,
    accepted: drive['2xx'],
    stored,
    lost: drive['2xx'] - stored,
    // Taken by the server but answered after the driver had hung up: stored, never acknowledged.
    stored_unacknowledged: storedTotal - stored,
    non2xx: drive.non2xx,
    errors: drive.errors,
    timeouts: drive.timeouts,
    workflow_starts_pending: await countRows(db.kysely, 'response_workflow_starts'),
    webhook_events: await countRows(db.kysely, 'webhook_events'),
    rejected_responses: await countRows(db.kysely, 'rejected_responses'),
  };
  // Every 2xx must name its response, or "stored" would undercount.
  const idsMatch = acceptedIds.length === drive['2xx'];
  if (!idsMatch) process.stderr.write(`the driver saw ${drive['2xx']} 2xx answers but recorded ${acceptedIds.length} response ids\n`);
  printResult(result);
  const missed = [
    ...(idsMatch ? [] : ['the driver did not record a response id for every 2xx answer']),
    ...(result.accepted === 0 ? ['no delivery was accepted'] : []),
    ...(result.p99_ms >= P99_LIMIT_MS ? [`p99 ${result.p99_ms} ms is not under the ${P99_LIMIT_MS} ms limit`] : []),
    ...(result.lost !== 0 ? [`${result.lost} accepted deliveries were not stored`] : []),
  ];
  for (const reason of missed) process.stderr.write(`bench:webhooks missed its target: ${reason}\n`);
  if (missed.length > 0) process.exitCode = 1;
}

await runBench('bench:webhooks', (SECONDS + 300) * 1000, main);
