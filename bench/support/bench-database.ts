import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import type { BenchRun } from './run-bench.ts';

/**
 * The database a benchmark measures: the PostgreSQL of DATABASE_URL when set (into a fresh
 * database of its own), else embedded PGlite on disk in a temporary folder; `backend` asks for
 * one of them. Closed and removed when the run ends, however it ends.
 */
export async function openBenchDatabase(name: string, run: BenchRun, backend?: 'pglite' | 'postgres'): Promise<{ db: Db; backend: string }> {
  const url = process.env.DATABASE_URL;
  if (backend === 'postgres' && !url) throw new Error('DATABASE_URL is required for the PostgreSQL half of this benchmark');
  if (!url || backend === 'pglite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `npsloop-${name}-`));
    run.onEnd(`the PGlite folder ${dataDir}`, () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const init = fileURLToPath(new URL('./init-pglite.ts', import.meta.url));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', init, dataDir], { signal: run.signal });
    const db = await openDatabase({ kind: 'pglite', dataDir });
    run.onEnd('the PGlite database', () => db.close());
    return { db, backend: 'pglite' };
  }
  const admin = await openDatabase({ kind: 'postgres', url });
  run.onEnd('the PostgreSQL admin connection', () => admin.close());
  const database = `npsloop_bench_${name.replace(/\W/g, '_')}_${process.pid}`;
  await sql`create database ${sql.id(database)}`.execute(admin.kysely);
  run.onEnd(`the database ${database}`, () => sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin.kysely));
  const target = new URL(url);
  target.pathname = `/${database}`;
  const db = await openDatabase({ kind: 'postgres', url: target.toString() });
  run.onEnd(`the connections to ${database}`, () => db.close());
  return { db, backend: 'postgres' };
}

/** Accounts, each owned by a CSM since the epoch, and users spread over them, made in SQL. */
export async function seedInstance(db: Db, accounts: number, users: number): Promise<void> {
  const k = db.kysely;
  const csms = Math.max(1, Math.floor(accounts / 50));
  await sql`
    insert into csms (external_id, email, name)
    select 'csm-' || i, 'csm' || i || '@cs.example', 'CSM ' || i from generate_series(1, ${csms}) i
  `.execute(k);
  await sql`
    insert into accounts (external_id, name, segment, csm_id)
    select 'acct-' || i, 'Account ' || i, (array['smb','mid-market','enterprise'])[1 + i % 3], 1 + i % ${csms}
    from generate_series(1, ${accounts}) i
  `.execute(k);
  await sql`
    insert into account_ownership (account_id, csm_id, valid_from)
    select id, csm_id, 'epoch'::timestamptz from accounts
  `.execute(k);
  await seedUsers(k, users, accounts);
  await sql`analyze`.execute(k);
}

/** Users 1..`users` spread over accounts 1..`accounts`, with roles. */
export async function seedUsers(k: Kysely<Database>, users: number, accounts: number): Promise<void> {
  await sql`
    insert into users (external_id, account_id, email, role)
    select 'user-' || i, 1 + i % ${accounts}, 'user' || i || '@example.com', (array['admin','user','viewer'])[1 + i % 3]
    from generate_series(1, ${users}) i
  `.execute(k);
}

export function currentRssMb(): number {
  return Math.round(process.memoryUsage.rss() / 1024 / 1024);
}

export function peakRssMb(): number {
  // maxRSS is in kilobytes.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function printResult(result: Record<string, unknown>): void {
  console.log(JSON.stringify(result));
}
