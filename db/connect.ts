import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import type pg from 'pg';
import lockfile from 'proper-lockfile';
import type { Database } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { createPostgresPool, poolForKysely } from './postgres-pool.ts';
import { createStatementNames } from './statement-names.ts';

export type DatabaseTarget =
  /** preparedStatements (default true): statements run often are prepared by name on each connection (db/statement-names.ts). */
  | { kind: 'postgres'; url: string; maxConnections?: number; preparedStatements?: boolean }
  /** dataDir undefined keeps the database in memory (tests). */
  | { kind: 'pglite'; dataDir?: string };

export interface Db {
  kysely: Kysely<Database>;
  kind: DatabaseTarget['kind'];
  /** The PGlite instance, when embedded: COPY on PGlite goes through it. */
  pglite?: PGlite;
  /** A pg pool, when on PostgreSQL: COPY streams need a raw client. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseEvents {
  /** A PostgreSQL connection dropped (the pool replaces it); by default a line on stderr. */
  onConnectionLost?: (error: Error) => void;
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(target: DatabaseTarget, events: DatabaseEvents = {}): Promise<Db> {
  const db = target.kind === 'postgres' ? openPostgres(target, events) : await openPglite(target.dataDir);
  try {
    await migrateToLatest(db.kysely);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** A request waiting for a connection while the server is unreachable fails after this long. */
const CONNECT_TIMEOUT_MS = 5_000;

function openPostgres(
  { url, maxConnections = 10, preparedStatements = true }: Extract<DatabaseTarget, { kind: 'postgres' }>,
  { onConnectionLost = (error) => console.error(`PostgreSQL connection lost (${error.message}); the pool opens a new one when needed`) }: DatabaseEvents,
): Db {
  const pool = createPostgresPool(url, { maxConnections, connectTimeoutMs: CONNECT_TIMEOUT_MS, onConnectionLost });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: poolForKysely(pool, preparedStatements ? createStatementNames() : undefined) }) });
  return { kysely, kind: 'postgres', pool, close: () => kysely.destroy() };
}

/** The embedded database's folder is open in another live process. */
export class DatabaseInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number | undefined) {
    super(
      `the embedded database in ${dataDir} is open in ${pid ? `process ${pid}` : 'another process'} (is \`npsloop start\` running?): ` +
        'use its HTTP API, stop it first, or run with DATABASE_URL',
    );
    this.name = 'DatabaseInUseError';
  }
}

async function openPglite(dataDir: string | undefined): Promise<Db> {
  const releaseLock = dataDir ? await lockDataDir(dataDir) : async () => {};
  try {
    // PGlite lives in this process: its buffer pool is resident memory the app pays for. The OS
    // page cache still holds the files, so a small pool keeps the embedded default lean.
    const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), postgresqlconf: "shared_buffers = '32MB'" });
    const kysely = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return {
      kysely,
      kind: 'pglite',
      pglite,
      // Kysely's PGlite driver closes the instance on destroy.
      close: async () => {
        await kysely.destroy();
        await releaseLock();
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

/** proper-lockfile refreshes a held lock this often; one not refreshed for LOCK_STALE_MS is taken over. */
const LOCK_STALE_MS = 10_000;

/**
 * PGlite is single-process: two processes writing one folder corrupt it. proper-lockfile's lock
 * (an atomic mkdir, kept fresh while held) keeps a second one out. The holder's pid, written beside
 * it, names that process in the refusal, and tells a lock whose owner died from one in use: the
 * first is waited out until it goes stale (a restart right after a crash), the second refused at once.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await fs.mkdir(dataDir, { recursive: true });
  const lockOptions = {
    lockfilePath: path.join(dataDir, 'npsloop.lock'),
    stale: LOCK_STALE_MS,
    onCompromised: (error: Error) => console.error(`The lock on the embedded database in ${dataDir} was lost: ${error.message}`),
  };
  const pidFile = path.join(dataDir, 'npsloop.pid');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, lockOptions);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = Number(await fs.readFile(pidFile, 'utf8').catch(() => ''));
    const ownerKnown = Number.isInteger(owner) && owner > 0;
    if (!ownerKnown || isAlive(owner)) throw new DatabaseInUseError(dataDir, ownerKnown ? owner : undefined);
    release = await lockfile
      .lock(dataDir, { ...lockOptions, retries: { retries: LOCK_STALE_MS / 500 + 2, minTimeout: 500, factor: 1 } })
      .catch((retryError: NodeJS.ErrnoException) => {
        throw retryError.code === 'ELOCKED' ? new DatabaseInUseError(dataDir, undefined) : retryError;
      });
  }
  await fs.writeFile(pidFile, String(process.pid));
  return async () => {
    await fs.rm(pidFile, { force: true });
    await release();
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
