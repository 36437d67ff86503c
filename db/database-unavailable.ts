/**
 * SQLSTATEs that mean the session is gone or could not start: retrying on a new connection,
 * once the server is back, is the remedy. Class 08 (connection exception) is matched as a class.
 */
const LOST_SESSION_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown, a failover
  '57P02', // crash_shutdown: another backend crashed and the server restarts
  '57P03', // cannot_connect_now: the server is starting up or shutting down
  '57P05', // idle_session_timeout (PostgreSQL 14+)
  '25P03', // idle_in_transaction_session_timeout: the server ended a transaction left waiting
  '53300', // too_many_connections: no session to be had right now
]);

/** Socket errors: the server is down, restarting, or not reachable on the network. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * What pg, pg-pool and kysely say when a connection dropped or none could be made in time.
 * "Connection terminated" covers "…unexpectedly" and "…due to connection timeout".
 */
const LOST_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Postgres connection has been discarded',
];

/**
 * Whether `error` means the database could not be reached or the connection dropped under the
 * operation, rather than that the operation itself was wrong: such an operation left nothing
 * half-written (its transaction rolled back, or committed whole if the connection dropped just
 * as it committed) and can be tried again once the database is back. Causes and aggregated
 * errors (a host with several addresses) are looked into.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const candidate = pending.pop();
    if (!(candidate instanceof Error) || seen.has(candidate)) continue;
    seen.add(candidate);
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && (/^08[0-9A-Z]{3}$/.test(code) || LOST_SESSION_CODES.has(code) || NETWORK_CODES.has(code))) return true;
    if (LOST_CONNECTION_MESSAGES.some((message) => candidate.message.startsWith(message))) return true;
    pending.push(candidate.cause);
    if (candidate instanceof AggregateError) pending.push(...candidate.errors);
  }
  return false;
}
