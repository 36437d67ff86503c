import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../db/database-unavailable.ts';

/** An error as pg raises it for a server's ErrorResponse. */
function serverError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function socketError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a terminated backend (57P01)', serverError('57P01', 'terminating connection due to administrator command')],
    ['a crash restart (57P02)', serverError('57P02', 'terminating connection because of crash of another server process')],
    ['a server starting up (57P03)', serverError('57P03', 'the database system is starting up')],
    ['an idle session timeout (57P05)', serverError('57P05', 'terminating connection due to idle-session timeout')],
    ['an idle-in-transaction timeout (25P03)', serverError('25P03', 'terminating connection due to idle-in-transaction timeout')],
    ['too many connections (53300)', serverError('53300', 'sorry, too many clients already')],
    ['a connection exception (class 08)', serverError('08006', 'connection failure')],
    ['a protocol violation (class 08)', serverError('08P01', 'invalid frontend message type')],
    ['a refused connection', socketError('ECONNREFUSED')],
    ['a reset connection', socketError('ECONNRESET')],
    ['a broken pipe', socketError('EPIPE')],
    ['an unreachable host', socketError('EHOSTUNREACH')],
    ['a host name that does not resolve yet', socketError('EAI_AGAIN')],
    ['a host with several addresses, all refusing', new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], 'connect failed')],
    ['a closed socket', new Error('Connection terminated unexpectedly')],
    ['a connection attempt that timed out', new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') })],
    ['a full pool that gave no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a statement on a client that had lost its connection', new Error('Client has encountered a connection error and is not queryable')],
    ['a wrapped cause', new Error('storing the delivery failed', { cause: socketError('ECONNRESET') })],
  ])('says yes to %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', serverError('23505', 'duplicate key value violates unique constraint "csms_external_id_key"')],
    ['a syntax error', serverError('42601', 'syntax error at or near "selct"')],
    ['a cancelled statement', serverError('57014', 'canceling statement due to statement timeout')],
    ['a serialization failure', serverError('40001', 'could not serialize access due to concurrent update')],
    ['a plain error', new Error('something else')],
    ['a file that is not there', socketError('ENOENT')],
    ['a string', 'Connection terminated unexpectedly'],
    ['nothing', undefined],
  ])('says no to %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('stops at a cause that refers back to itself', () => {
    const error = new Error('loop');
    (error as { cause?: unknown }).cause = error;
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
