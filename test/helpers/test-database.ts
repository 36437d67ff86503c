import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { type DatabaseEvents, type Db, openDatabase } from '../../db/connect.ts';

export type BackendName = 'pglite' | 'postgres';

/** Both, always: PostgreSQL is the server in DATABASE_URL, or the run's own (test/postgres-for-the-run.ts). */
export const backends: BackendName[] = ['pglite', 'postgres'];

/** A suite only a PostgreSQL server can run (server-side faults: terminated backends, restarts). */
export function describeOnPostgres(name: string, suite: () => void): void {
  describe(`${name} [postgres]`, suite);
}

/**
 * A fresh, migrated database: in-memory PGlite, or a new database on the PostgreSQL server
 * (`url` is its address).
 */
export async function createTestDatabase(backend: BackendName, events: DatabaseEvents = {}): Promise<{ db: Db; drop: () => Promise<void>; url?: string }> {
  if (backend === 'pglite') {
    const db = await openDatabase({ kind: 'pglite' });
    return { db, drop: () => db.close() };
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is required for the postgres backend');
  const name = `npsloop_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString() }, events);
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

const APP_TABLES = [
  'web_sessions',
  'sign_in_links',
  'goal_versions',
  'goals',
  'webhook_events',
  'api_tokens',
  'tasks',
  'enrollments',
  'journey_versions',
  'journeys',
  'response_workflow_starts',
  'derived_state_changes',
  'review_link_clicks',
  'emails',
  'email_unsubscribes',
  'list_membership_events',
  'list_members',
  'account_health_changes',
  'account_health',
  'rule_versions',
  'rules',
  'source_sync_state',
  'account_nps_snapshots',
  'tickets',
  'rejected_responses',
  'nps_responses',
  'users',
  'account_owner_changes',
  'account_ownership',
  'accounts',
  'csms',
];

export async function emptyDatabase(db: Db): Promise<void> {
  await sql`truncate ${sql.join(APP_TABLES.map((t) => sql.table(t)))} restart identity cascade`.execute(db.kysely);
}

/**
 * Runs a suite once per backend against one database each, emptied before every test.
 * The callback receives a getter because the database exists only once the suite starts.
 */
export function describeEachBackend(name: string, suite: (db: () => Db, backend: BackendName) => void): void {
  describe.each(backends)(`${name} [%s]`, (backend) => {
    let db: Db | undefined;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ db, drop } = await createTestDatabase(backend));
    }, 60_000);
    afterAll(async () => {
      await drop?.();
    });
    beforeEach(async () => {
      if (db) await emptyDatabase(db);
    });
    suite(() => {
      if (!db) throw new Error('test database not ready');
      return db;
    }, backend);
  });
}
