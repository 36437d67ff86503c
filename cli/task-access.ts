import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import { DatabaseInUseError, type Db, openDatabase } from '../db/connect.ts';
import type { Database } from '../db/database.ts';
import { type RunningInstance, runningInstanceOf } from './running-instance.ts';
import { connectTemporal } from './temporal-client.ts';

/*
 * How a tasks command reaches the tasks. With TEMPORAL_ADDRESS or DATABASE_URL (production) it
 * opens the database and Temporal itself. On the embedded setup the database belongs to one
 * process, and the journeys run in `npm start`: while it runs, the command goes through its API.
 */

/** Reads through the database, or through the running instance when it holds the embedded one. */
export async function readTasks<T>(
  config: Config,
  ways: { database: (db: Kysely<Database>) => Promise<T>; runningInstance: (instance: RunningInstance) => Promise<T> },
): Promise<T> {
  const opened = await openDatabaseOrRunningInstance(config);
  if (opened.kind === 'running-instance') return ways.runningInstance(opened.instance);
  try {
    return await ways.database(opened.db.kysely);
  } finally {
    await opened.db.close();
  }
}

/**
 * Changes a task through its journey: with Temporal and the database directly when configured,
 * else through the running `npm start`, the only place the embedded setup's journeys run.
 */
export async function changeTask<T>(
  config: Config,
  purpose: string,
  ways: { directly: (deps: { db: Kysely<Database>; temporal: Client }) => Promise<T>; runningInstance: (instance: RunningInstance) => Promise<T> },
): Promise<T> {
  if (config.temporal.address || config.database.kind === 'postgres') {
    // Temporal first: without it nothing may change, so there is no need to open the database.
    const temporal = await connectTemporal(config, purpose);
    try {
      const db = await openDatabase(config.database);
      try {
        return await ways.directly({ db: db.kysely, temporal: temporal.client });
      } finally {
        await db.close();
      }
    } finally {
      await temporal.close();
    }
  }
  const opened = await openDatabaseOrRunningInstance(config);
  if (opened.kind === 'running-instance') return ways.runningInstance(opened.instance);
  await opened.db.close();
  throw new Error(`${purpose}: npsloop is not running. Start npsloop with \`npm start\`, then run this again: the task's journey runs in it`);
}

type Opened = { kind: 'database'; db: Db } | { kind: 'running-instance'; instance: RunningInstance };

async function openDatabaseOrRunningInstance(config: Config): Promise<Opened> {
  try {
    return { kind: 'database', db: await openDatabase(config.database) };
  } catch (error) {
    if (error instanceof DatabaseInUseError) return { kind: 'running-instance', instance: runningInstanceOf(config, error) };
    throw error;
  }
}
