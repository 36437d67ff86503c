import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { isDatabaseUnavailable } from './database-unavailable.ts';
import { isStalePreparedStatement, type StatementNames } from './statement-names.ts';

export interface PostgresPoolOptions {
  maxConnections: number;
  /**
   * How long getting a connection may take, a new one or a free one from a full pool, before
   * the operation fails: while the server is unreachable, requests fail in bounded time.
   */
  connectTimeoutMs: number;
  /** Told once per connection the server or the network dropped. */
  onConnectionLost: (error: Error) => void;
}

/**
 * pg's pool, safe against connections that drop (a restart, a failover, pg_terminate_backend,
 * idle_in_transaction_session_timeout): pg emits an 'error' event on the client, and an
 * EventEmitter 'error' nobody listens to crashes the process. The pool listens only while a
 * client is idle; each client here also gets a listener of its own, for the time it is checked
 * out (inside a transaction, say). A client that errored is not queryable, and pg-pool destroys
 * a released client that is not queryable; the pool opens new connections as they are needed.
 */
export function createPostgresPool(url: string, { maxConnections, connectTimeoutMs, onConnectionLost }: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: connectTimeoutMs,
    // TCP keepalive: a connection to a host that vanished without closing it (a failed machine)
    // is eventually found dead instead of kept for ever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // The idle client's error was already told by its own listener below.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    let told = false;
    client.on('error', (error) => {
      // pg emits twice for one loss: the server's FATAL message, then the closed socket. Once
      // the pool is closing, its connections going away is no news.
      if (told || pool.ending) return;
      told = true;
      onConnectionLost(error);
    });
  });
  return pool;
}

/**
 * The pool as kysely's PostgresDialect takes it. Kysely gives a connection back as healthy
 * unless its rollback failed; but when the server ends a session during a query, the query
 * fails with the server's FATAL message before the socket closes, and pg still counts the
 * client as queryable: pg-pool would hand it to the next caller, whose query would fail too.
 * A client whose query lost its connection is destroyed on release instead.
 */
export function poolForKysely(pool: pg.Pool, statementNames?: StatementNames): PostgresPool {
  // One wrapper per client, as kysely keeps its own state per client object it is given.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    options: pool.options,
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = discardedWhenLost(client, statementNames)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/**
 * The client, destroyed on release once one of its queries lost the connection (it is never
 * checked out again); with `statementNames`, the statements it names run prepared.
 */
function discardedWhenLost(client: pg.PoolClient, statementNames: StatementNames | undefined): PostgresPoolClient {
  let lost = false;
  const query = async (text: string, readonlyParameters: readonly unknown[]): Promise<pg.QueryResult> => {
    const parameters = readonlyParameters as unknown[];
    const name = statementNames?.nameOf(text, parameters.length);
    try {
      return await (name === undefined ? client.query(text, parameters) : client.query({ name, text, values: parameters }));
    } catch (error) {
      if (name !== undefined && isStalePreparedStatement(error)) {
        statementNames!.refused(text);
        // Outside a transaction the refused run did nothing: run it again, afresh (unnamed, as
        // its count starts over). Inside one, the transaction has failed and fails as a whole.
        if (client.getTransactionStatus() === 'I') return query(text, readonlyParameters);
      }
      if (isDatabaseUnavailable(error)) lost = true;
      throw error;
    }
  };
  return {
    // Kysely needs it only to cancel a query; pg sets it once connected.
    processID: (client as { processID?: number }).processID,
    // Kysely passes a cursor only when the dialect is given a cursor class, which ours is not.
    query: query as unknown as PostgresPoolClient['query'],
    // pg-pool sets a new client.release at each checkout: it is looked up at each release.
    release: (destroy?: boolean) => client.release(destroy === true || lost),
  };
}
