import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../db/connect.ts';
import type { Database } from '../../db/database.ts';
import { isDatabaseUnavailable } from '../../db/database-unavailable.ts';
import { type PostgresFaults, connectFaults } from '../helpers/postgres-faults.ts';
import { createTestDatabase, describeOnPostgres, emptyDatabase } from '../helpers/test-database.ts';
import { failOnUncaughtErrors } from '../helpers/uncaught-errors.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * A PostgreSQL session can end under the app at any moment: a restart, a failover,
 * pg_terminate_backend, idle_in_transaction_session_timeout. Whatever the connection was doing
 * (idle in the pool, running a query, holding a transaction open), the process goes on, the
 * operation fails as a whole with an error that says the database was unavailable, and the next
 * operation on the same Db gets a new connection.
 */
describeOnPostgres('dropped connections', () => {
  failOnUncaughtErrors();
  let db: Db;
  let url: string;
  let drop: () => Promise<void>;
  let faults: PostgresFaults;
  const lost: Error[] = [];

  beforeAll(async () => {
    const created = await createTestDatabase('postgres', { onConnectionLost: (error) => lost.push(error) });
    ({ db, drop } = created);
    url = created.url!;
    faults = await connectFaults(url);
  }, 60_000);
  afterAll(async () => {
    await faults?.end();
    await drop?.();
  });
  beforeEach(async () => {
    await emptyDatabase(db);
    lost.length = 0;
  });

  const csmCount = async () => Number((await db.kysely.selectFrom('csms').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const addCsm = (k: Kysely<Database>, n: number) => k.insertInto('csms').values({ external_id: `csm-${n}`, email: `csm${n}@cs.example`, name: `CSM ${n}` }).execute();
  const backendPid = async (k: Kysely<Database>) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(k)).rows[0]!.pid;
  const lossesTold = async (count: number) => waitFor(async () => (lost.length >= count ? true : undefined), `${count} lost connection(s) to be told`);

  it('replaces a connection the server ends while it is idle in the pool', async () => {
    await addCsm(db.kysely, 1);
    expect(db.pool!.idleCount).toBeGreaterThan(0);
    expect(await faults.terminateAll()).toBeGreaterThan(0);
    await lossesTold(1);
    expect(lost.every(isDatabaseUnavailable)).toBe(true);
    await addCsm(db.kysely, 2);
    expect(await csmCount()).toBe(2);
  });

  it('fails a query whose backend is terminated while it runs, and runs the next one', async () => {
    const sleeping = sql`select pg_sleep(60)`.execute(db.kysely);
    const failed = sleeping.then(
      () => undefined,
      (error: unknown) => error,
    );
    await faults.terminate(await faults.waitForBackend({ queryLike: 'select pg_sleep(60)' }, 'the sleeping query'));
    const error = await failed;
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('57P01');
    expect(isDatabaseUnavailable(error)).toBe(true);
    await addCsm(db.kysely, 1);
    expect(await csmCount()).toBe(1);
  });

  it('never hands the connection of a query that lost its backend to the caller waiting for it', async () => {
    // One connection: the second query waits for the first one's, and must get a new one.
    const single = await openDatabase({ kind: 'postgres', url, maxConnections: 1 }, { onConnectionLost: (error) => lost.push(error) });
    try {
      const sleeping = sql`select pg_sleep(60)`.execute(single.kysely).then(
        () => 'finished',
        (error: unknown) => (isDatabaseUnavailable(error) ? 'failed: database unavailable' : `failed: ${String(error)}`),
      );
      const pid = await faults.waitForBackend({ queryLike: 'select pg_sleep(60)' }, 'the sleeping query');
      const waiting = sql<{ answer: number }>`select 42 as answer`.execute(single.kysely);
      await waitFor(async () => (single.pool!.waitingCount === 1 ? true : undefined), 'the second query to wait for the connection');
      await faults.terminate(pid);
      expect(await sleeping).toBe('failed: database unavailable');
      expect((await waiting).rows).toEqual([{ answer: 42 }]);
    } finally {
      await single.close();
    }
  });

  it('rolls back a transaction whose backend is terminated between two statements, and goes on', async () => {
    const attempt = db.kysely.transaction().execute(async (trx) => {
      await addCsm(trx, 1);
      // Idle in transaction, checked out of the pool: the server's FATAL message arrives now.
      await faults.terminate(await backendPid(trx));
      await lossesTold(1);
      await addCsm(trx, 2);
    });
    await expect(attempt).rejects.toSatisfy(isDatabaseUnavailable);
    expect((lost[0] as { code?: string }).code).toBe('57P01');
    expect(await csmCount()).toBe(0);
    await addCsm(db.kysely, 3);
    expect(await csmCount()).toBe(1);
  });

  it('rolls back a transaction the server ends for idling (idle_in_transaction_session_timeout), and goes on', async () => {
    const attempt = db.kysely.transaction().execute(async (trx) => {
      await sql`set local idle_in_transaction_session_timeout = '200ms'`.execute(trx);
      await addCsm(trx, 1);
      await lossesTold(1);
      await addCsm(trx, 2);
    });
    await expect(attempt).rejects.toSatisfy(isDatabaseUnavailable);
    expect((lost[0] as { code?: string }).code).toBe('25P03');
    expect(await csmCount()).toBe(0);
    await addCsm(db.kysely, 3);
    expect(await csmCount()).toBe(1);
  });
});
