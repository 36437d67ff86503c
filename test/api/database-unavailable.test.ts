import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import type { Database } from '../../db/database.ts';
import { createPostgresPool, poolForKysely } from '../../db/postgres-pool.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { genericResponse } from '../fixtures/vendor-payloads.ts';
import { type PostgresFaults, connectFaults } from '../helpers/postgres-faults.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.ts';
import { createRoleTokens, createTestApi, testConfig } from '../helpers/test-api.ts';
import { createTestDatabase, describeOnPostgres, emptyDatabase } from '../helpers/test-database.ts';
import { failOnUncaughtErrors } from '../helpers/uncaught-errors.ts';

/**
 * While the database cannot be reached, or a connection drops under a request, the API answers
 * 503 `database_unavailable` with Retry-After (the survey tool redelivers), never 2xx and never
 * pg's own words; a transaction that died stored nothing; and the same server answers normally
 * once the database is back. All over a real socket.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const config = testConfig({ NPSLOOP_WEBHOOK_SECRET_GENERIC: SECRET });
const USER = 'fay.adams@stark.example';

async function listen(app: ApiApp): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
}

/** A signed generic delivery of one response; the same `eventId` is the same event redelivered. */
function deliver(baseUrl: string, token: string, eventId: string): Promise<Response> {
  const body = JSON.stringify(genericResponse({ id: `resp-${eventId}` }));
  return fetch(`${baseUrl}/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...standardWebhookHeaders(SECRET, body, { id: eventId }) },
    body,
  });
}

/** The answer is the database_unavailable error, with Retry-After and nothing of pg's in it. */
async function expectDatabaseUnavailable(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(503);
  expect(response.headers.get('retry-after')).toBe('5');
  const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
  expect(body).toEqual({ error: { code: 'database_unavailable', message: expect.stringContaining('the database'), requestId: response.headers.get('x-request-id') } });
  expect(text).not.toMatch(/terminat|ECONN|timeout exceeded|not queryable|57P0|administrator/i);
}

async function storedRows(k: Kysely<Database>) {
  const count = async (table: 'nps_responses' | 'webhook_events' | 'response_workflow_starts') =>
    Number((await k.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return { responses: await count('nps_responses'), events: await count('webhook_events'), workflowStarts: await count('response_workflow_starts') };
}

describe('a database that cannot be reached', () => {
  failOnUncaughtErrors();
  let silent: net.Server;
  const silentSockets = new Set<net.Socket>();
  let refusedPort: number;

  beforeAll(async () => {
    // Accepts connections and never answers, as a host that went away behind a load balancer.
    silent = net.createServer((socket) => {
      silentSockets.add(socket);
      socket.on('close', () => silentSockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    refusedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ['does not answer', () => (silent.address() as net.AddressInfo).port],
    ['refuses connections', () => refusedPort],
  ])('answers 503 with Retry-After in bounded time when the server %s; liveness stays up', async (_what, port) => {
    const pool = createPostgresPool(`postgres://postgres@127.0.0.1:${port()}/npsloop`, { maxConnections: 2, connectTimeoutMs: 500, onConnectionLost: () => {} });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: poolForKysely(pool) }) });
    const app = await createTestApi(kysely, { config });
    try {
      const baseUrl = await listen(app);
      // The token cannot even be looked up: that is 503 too, not 401.
      await expectDatabaseUnavailable(await deliver(baseUrl, 'nps_any-token', 'evt-unreachable'));
      await expectDatabaseUnavailable(await fetch(`${baseUrl}/accounts/nps`, { headers: { authorization: 'Bearer nps_any-token' } }));
      await expectDatabaseUnavailable(await fetch(`${baseUrl}/readyz`));
      const live = await fetch(`${baseUrl}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
      await kysely.destroy();
    }
  });
});

describeOnPostgres('a connection dropped under a webhook delivery', () => {
  failOnUncaughtErrors();
  let db: Db;
  let drop: () => Promise<void>;
  let faults: PostgresFaults;
  let app: ApiApp;
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    const created = await createTestDatabase('postgres', { onConnectionLost: () => {} });
    ({ db, drop } = created);
    faults = await connectFaults(created.url!);
  }, 60_000);
  afterAll(async () => {
    await faults?.end();
    await drop?.();
  });
  beforeEach(async () => {
    await emptyDatabase(db);
    const { csm } = await seedAccount(db.kysely, { users: [USER] });
    token = (await createRoleTokens(db.kysely, csm.id)).ingest;
    app = await createTestApi(db.kysely, { config });
    baseUrl = await listen(app);
  });
  afterEach(async () => {
    await app.close();
  });

  it('answers 503 with Retry-After when its transaction loses its backend half-way, stores nothing, and takes the redelivery', async () => {
    // The delivery's transaction stores the response, then waits to record the event, and its backend is ended there.
    const release = await faults.lockTable('webhook_events');
    const answer = deliver(baseUrl, token, 'evt-1');
    const pid = await faults.waitForBackend({ queryLike: 'insert into "webhook_events"%', waitingOnLock: true }, 'the delivery to wait on webhook_events');
    await faults.terminate(pid);
    await release();
    await expectDatabaseUnavailable(await answer);
    expect(await storedRows(db.kysely)).toEqual({ responses: 0, events: 0, workflowStarts: 0 });

    const redelivered = await deliver(baseUrl, token, 'evt-1');
    expect(redelivered.status, await redelivered.clone().text()).toBe(202);
    expect(await redelivered.json()).toMatchObject({ received: 1, inserted: 1 });
    expect(await storedRows(db.kysely)).toEqual({ responses: 1, events: 1, workflowStarts: 1 });
  });
});

describeOnPostgres('a PostgreSQL restart', () => {
  failOnUncaughtErrors();
  let server: PrivatePostgres;
  let db: Db;
  const lost: Error[] = [];

  beforeAll(async () => {
    server = await startPrivatePostgres();
    db = await openDatabase({ kind: 'postgres', url: server.url }, { onConnectionLost: (error) => lost.push(error) });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await server?.destroy();
  }, 60_000);

  it('answers 503 during the outage, the delivery in flight stores nothing, and the same server works once PostgreSQL is back', async () => {
    const { csm } = await seedAccount(db.kysely, { users: [USER] });
    const { ingest } = await createRoleTokens(db.kysely, csm.id);
    const app = await createTestApi(db.kysely, { config });
    const faults = await connectFaults(server.url);
    try {
      const baseUrl = await listen(app);
      expect((await deliver(baseUrl, ingest, 'evt-before')).status).toBe(202);
      expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);

      // A delivery is half-way through its transaction when the server shuts down.
      const release = await faults.lockTable('webhook_events');
      const inFlight = deliver(baseUrl, ingest, 'evt-during');
      await faults.waitForBackend({ queryLike: 'insert into "webhook_events"%', waitingOnLock: true }, 'the delivery to wait on webhook_events');
      // Immediate: a fast shutdown ends the lock's holder as it ends the delivery, which could
      // then commit in between (a crash, as this is, ends them all at once).
      await server.stop('immediate');
      await release().catch(() => {}); // its session went with the server
      await expectDatabaseUnavailable(await inFlight);
      expect(lost.length).toBeGreaterThan(0);

      // Down: everything that needs the database says so at once; liveness does not.
      await expectDatabaseUnavailable(await deliver(baseUrl, ingest, 'evt-during'));
      await expectDatabaseUnavailable(await fetch(`${baseUrl}/readyz`));
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);

      await server.start();
      // Back, without restarting anything of ours: the pool opens new connections.
      expect(await (await fetch(`${baseUrl}/readyz`)).json()).toEqual({ status: 'ready' });
      const redelivered = await deliver(baseUrl, ingest, 'evt-during');
      expect(redelivered.status).toBe(202);
      expect(await storedRows(db.kysely)).toEqual({ responses: 2, events: 2, workflowStarts: 2 });
    } finally {
      await faults.end().catch(() => {});
      await app.close();
    }
  }, 120_000);
});
