import pg from 'pg';
import { waitFor } from './wait-for.ts';

/**
 * Server-side faults on one test database, done from connections of the test's own: backends
 * are found in pg_stat_activity by that database's name, so no one else's are touched.
 */
export interface PostgresFaults {
  /** The pid of a backend of the database running a statement like `queryLike` (ILIKE), waiting on a lock if asked. */
  waitForBackend(where: { queryLike: string; waitingOnLock?: boolean }, what: string): Promise<number>;
  /** pg_terminate_backend, as a failover or an administrator does: the session ends with 57P01. */
  terminate(pid: number): Promise<void>;
  /** Ends every session of the database but this helper's own. */
  terminateAll(): Promise<number>;
  /** Holds an ACCESS EXCLUSIVE lock on `table` from a transaction of its own, until the returned release is called. */
  lockTable(table: string): Promise<() => Promise<void>>;
  end(): Promise<void>;
}

export async function connectFaults(databaseUrl: string): Promise<PostgresFaults> {
  const databaseName = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const control = await connectedClient(databaseUrl);
  const lockHolders = new Set<pg.Client>();
  return {
    async waitForBackend({ queryLike, waitingOnLock = false }, what) {
      return waitFor(async () => {
        const { rows } = await control.query<{ pid: number }>(
          `select pid from pg_stat_activity
            where datname = $1 and pid <> pg_backend_pid() and query ilike $2
              and ($3::boolean is false or wait_event_type = 'Lock')`,
          [databaseName, queryLike, waitingOnLock],
        );
        return rows[0]?.pid;
      }, what);
    },
    async terminate(pid) {
      const { rows } = await control.query<{ done: boolean }>('select pg_terminate_backend($1) as done', [pid]);
      if (!rows[0]?.done) throw new Error(`backend ${pid} was not terminated`);
    },
    async terminateAll() {
      // Listed first: in one WHERE clause, nothing says the pid test runs before the termination.
      const { rows } = await control.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        [databaseName],
      );
      for (const { pid } of rows) await control.query('select pg_terminate_backend($1)', [pid]);
      return rows.length;
    },
    async lockTable(table) {
      const holder = await connectedClient(databaseUrl);
      lockHolders.add(holder);
      await holder.query('begin');
      await holder.query(`lock table ${pg.escapeIdentifier(table)} in access exclusive mode`);
      return async () => {
        lockHolders.delete(holder);
        await holder.query('rollback');
        await holder.end();
      };
    },
    async end() {
      await Promise.all([...lockHolders].map((holder) => holder.end()));
      await control.end();
    },
  };
}

async function connectedClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // The tests' own sessions are not the subject: a fault among them fails the query that met it.
  client.on('error', () => {});
  await client.connect();
  return client;
}
