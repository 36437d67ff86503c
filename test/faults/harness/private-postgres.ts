import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

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

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'postgres')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const newest = versions.at(-1);
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${root}/<version>/bin (apt-get install postgresql)`);
  return path.join(root, newest, 'bin');
}

/** As root, the server's commands run as `postgres` (initdb refuses root); otherwise as the current user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startPrivatePostgres(dir: string): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  fs.mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const pgCommand = (name: string, args: string[]) => asServerUser(path.join(bin, name), args);
  const exec = async (name: string, args: string[]) => {
    const [command, commandArgs] = pgCommand(name, args);
    await run(command, commandArgs, { timeout: 60_000 });
  };

  await exec('initdb', ['--pgdata', dataDir, '--username', 'postgres', '--auth', 'trust', '--encoding', 'UTF8', '--no-sync', '--no-instructions']);
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '# the fault suite: loopback only, its own port and socket folder',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 200',
      '',
    ].join('\n'),
  );
  const start = () => exec('pg_ctl', ['--pgdata', dataDir, '--log', logFile, '--wait', '--timeout', '60', 'start']);
  const stop = (mode: 'fast' | 'immediate') => exec('pg_ctl', ['--pgdata', dataDir, '--mode', mode, '--wait', '--timeout', '60', 'stop']);
  await start();

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

  let destroyed = false;
  return {
    port,
    url: (database, applicationName) => `postgres://postgres@127.0.0.1:${port}/${database}?application_name=${encodeURIComponent(applicationName)}`,
    async createDatabase(name) {
      await adminQuery(`create database "${name}"`);
    },
    async stop(mode) {
      dropAdmin();
      await stop(mode);
    },
    start,
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
      if (destroyed) return;
      destroyed = true;
      dropAdmin();
      const [command, args] = pgCommand('pg_ctl', ['--pgdata', dataDir, '--mode', 'immediate', '--wait', 'stop']);
      try {
        execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // Already stopped.
      }
    },
  };
}
