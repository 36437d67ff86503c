import pg from 'pg';
import { startPrivatePostgres as startTestPostgres } from '../../helpers/private-postgres.ts';

/** The application_name every npsloop process of the suite connects with: what a fault aims at. */
export const NPSLOOP_APPLICATION_PREFIX = 'npsloop-';

export type BackendState = 'active' | 'idle' | 'idle in transaction' | 'other';

/**
 * A PostgreSQL server of the suite's own, in a folder of the run: stopping or restarting it
 * disturbs nobody (the shared cluster on 5432 is never touched). As root it runs as the
 * `postgres` user, which initdb and the server require.
 */
export interface PrivatePostgres {
  port: number;
  /** A URL for this database, tagged with an application_name so faults can pick its connections. */
  url(database: string, applicationName: string): string;
  createDatabase(name: string): Promise<void>;
  /** Stops the server (`fast`: sessions are told to end; `immediate`: a crash, recovered at start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /**
   * pg_terminate_backend on the connections of npsloop's processes to `database` (only those in
   * `state` when given), counted by the state each was in (idle, active, idle in transaction).
   */
  terminateNpsloopBackends(database: string, state?: BackendState): Promise<Record<BackendState, number>>;
  /** Stops the server for good; synchronous, so it also runs on an exit path. */
  destroy(): void;
}

/** The suite's PostgreSQL: the tests' private server (its files in `dir`, kept with the run's logs), and what faults need of it. */
export async function startPrivatePostgres(dir: string): Promise<PrivatePostgres> {
  const server = await startTestPostgres({ dir, maxConnections: 200 });
  const { port } = server;
  // One admin session, kept (a strike may poll every few milliseconds) and made again after a restart.
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres?application_name=fault-suite-admin`;
  let admin: Promise<pg.Client> | undefined;
  const dropAdmin = () => {
    const dropping = admin;
    admin = undefined;
    void dropping?.then((client) => client.end()).catch(() => {});
  };
  const adminQuery = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> => {
    admin ??= (async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      client.on('error', dropAdmin);
      await client.connect();
      return client;
    })();
    try {
      return await (await admin).query<R>(text, values);
    } catch (error) {
      dropAdmin();
      throw error;
    }
  };

  return {
    port,
    url: (database, applicationName) => `postgres://postgres@127.0.0.1:${port}/${database}?application_name=${encodeURIComponent(applicationName)}`,
    async createDatabase(name) {
      await adminQuery(`create database "${name}"`);
    },
    async stop(mode) {
      dropAdmin();
      await server.stop(mode);
    },
    start: () => server.start(),
    async terminateNpsloopBackends(database, state) {
      const { rows } = await adminQuery<{ state: string | null; terminated: boolean }>(
        `select state, pg_terminate_backend(pid) as terminated
           from pg_stat_activity
          where datname = $1 and application_name like $2 and pid <> pg_backend_pid() and ($3::text is null or state = $3)`,
        [database, `${NPSLOOP_APPLICATION_PREFIX}%`, state ?? null],
      );
      const counts: Record<BackendState, number> = { active: 0, idle: 0, 'idle in transaction': 0, other: 0 };
      for (const row of rows) {
        if (!row.terminated) continue;
        const was = row.state === 'active' || row.state === 'idle' || row.state === 'idle in transaction' ? row.state : 'other';
        counts[was] += 1;
      }
      return counts;
    },
    destroy() {
      dropAdmin();
      server.destroy();
    },
  };
}
