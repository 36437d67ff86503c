import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { migrateToLatest } from './migrate.ts';

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; maxConnections?: number }
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

/** Opens the database and brings its schema up to date. */
export async function openDatabase(target: DatabaseTarget): Promise<Db> {
  const db = target.kind === 'postgres' ? openPostgres(target.url, target.maxConnections) : await openPglite(target.dataDir);
  try {
    await migrateToLatest(db.kysely);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

function openPostgres(url: string, maxConnections = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections });
  // An idle connection the server drops (restart, failover) is discarded by the pool; without a
  // listener its error event would crash the process.
  pool.on('error', (error) => console.error(`PostgreSQL connection lost while idle: ${error.message}`));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, kind: 'postgres', pool, close: () => kysely.destroy() };
}

async function openPglite(dataDir: string | undefined): Promise<Db> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  // PGlite lives in this process: its buffer pool is resident memory the app pays for. The OS
  // page cache still holds the files, so a small pool keeps the embedded default lean.
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), postgresqlconf: "shared_buffers = '32MB'" });
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    kysely,
    kind: 'pglite',
    pglite,
    // Kysely's PGlite driver closes the instance on destroy.
    close: () => kysely.destroy(),
  };
}
