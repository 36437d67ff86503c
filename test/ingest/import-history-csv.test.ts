import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { type HistoryImportOptions, HistoryCsvError, importHistoryCsv } from '../../ingest/import-history-csv.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const options = (overrides: Partial<HistoryImportOptions> = {}): HistoryImportOptions => ({
  now,
  timeZone: 'UTC',
  since: new Date('2026-05-24T12:00:00Z'),
  counting: 'every_response',
  ...overrides,
});
const csv = (text: string) => Readable.from([text]);

describeEachBackend('CSV history import', (db) => {
  it('imports good rows, rejects each bad one with its line and field, and skips history older than the window', async () => {
    const k = db().kysely;
    const { accountId } = await seedAccount(k, { users: ['ann@acme.example', 'bo@acme.example'] });
    const file = [
      'email,score,respondedAt,comment,responseId',
      'ann@acme.example,10,2026-11-01T10:00:00Z,"Love it, truly",r1',
      'BO@ACME.example,3,2026-11-02,,r2',
      'ann@acme.example,11,2026-11-03T10:00:00Z,,r3',
      'ann@acme.example,7.5,2026-11-03T10:00:00Z,,r4',
      'ann@acme.example,abc,2026-11-03T10:00:00Z,,r5',
      ',8,2026-11-03T10:00:00Z,,r6',
      'ann@acme.example,8,not a date,,r7',
      'ann@acme.example,8,2027-01-01T00:00:00Z,,r8',
      'stranger@else.example,9,2026-11-03T10:00:00Z,,r9',
      'ann@acme.example,9,2025-01-01T00:00:00Z,,r10',
    ].join('\n');
    const progress: number[] = [];
    const result = await importHistoryCsv(k, csv(file), options({ batchSize: 3, onProgress: (p) => progress.push(p.rows) }));
    expect(result).toMatchObject({ rows: 10, accepted: 2, inserted: 2, rejected: 7, skipped: 1, touchedAccountIds: [accountId] });
    expect(result.rejections.map((r) => [r.line, r.reason, r.issues.map((i) => `${i.path}: ${i.message}`)])).toEqual([
      [4, 'invalid', ['score: must be from 0 to 10']],
      [5, 'invalid', ['score: must be a whole number from 0 to 10']],
      [6, 'invalid', ['score: must be a number from 0 to 10']],
      [7, 'invalid', ['email: is required']],
      [8, 'invalid', ['respondedAt: is not a date: "not a date"']],
      [9, 'invalid', ['respondedAt: is in the future: 2027-01-01T00:00:00.000Z']],
      [10, 'unknown_user', ['email: no user with email stranger@else.example is known to this instance']],
    ]);
    expect(progress.length).toBeGreaterThan(1);
    const rows = await k.selectFrom('nps_responses').select(['source', 'source_response_id', 'score', 'comment']).orderBy('source_response_id').execute();
    expect(rows).toEqual([
      { source: 'csv', source_response_id: 'r1', score: 10, comment: 'Love it, truly' },
      { source: 'csv', source_response_id: 'r2', score: 3, comment: null },
    ]);
    const stored = await k.selectFrom('rejected_responses').select(['line', 'reason']).orderBy('line').execute();
    expect(stored.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    const snapshot = await k.selectFrom('account_nps_snapshots').selectAll().where('account_id', '=', accountId).where('window_key', '=', 'this_month').executeTakeFirstOrThrow();
    expect(snapshot).toMatchObject({ total: 2, nps: 0 });
  });

  it('is idempotent without an id column: a re-import counts nothing twice', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    const file = 'Email,Score,respondedat\nann@acme.example,9,2026-11-01T10:00:00Z\nAnn@Acme.example,6,2026-11-02T10:00:00+01:00\n';
    const first = await importHistoryCsv(k, csv(file), options());
    const second = await importHistoryCsv(k, csv(file), options());
    expect(first).toMatchObject({ inserted: 2 });
    expect(second).toMatchObject({ inserted: 0, unchanged: 2 });
    expect(await k.selectFrom('nps_responses').select('id').execute()).toHaveLength(2);
  });

  it("takes the response id column under other tools' names too", async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    for (const column of ['RESPONSEID', 'response_id', 'source_response_id', 'id']) {
      await importHistoryCsv(k, csv(`email,score,respondedAt,${column}\nann@acme.example,9,2026-11-01T10:00:00Z,from-${column}\n`), options());
    }
    const stored = await k.selectFrom('nps_responses').select('source_response_id').execute();
    expect(stored.map((row) => row.source_response_id).sort()).toEqual(['from-RESPONSEID', 'from-id', 'from-response_id', 'from-source_response_id']);
  });

  it('refuses a file whose header lacks a required column, before storing anything', async () => {
    const k = db().kysely;
    await expect(importHistoryCsv(k, csv('mail,score,when\na@b.example,9,2026-11-01\n'), options())).rejects.toThrow(HistoryCsvError);
    await expect(importHistoryCsv(k, csv('mail,score,when\n'), options())).rejects.toThrow(
      'CSV line 1: missing columns email, respondedAt; the header must name email, score, respondedAt',
    );
    await expect(importHistoryCsv(k, csv('email,score,respondedAt,x\u0000y\n'), options())).rejects.toThrow(
      'CSV line 1: the name of column 4 must not contain NUL characters (U+0000); nothing was imported',
    );
    // Blank lines before the header are skipped; the mistake is where the header is.
    await expect(importHistoryCsv(k, csv('\n\nemail,email,score,respondedAt\n'), options())).rejects.toThrow('CSV line 3: column "email" appears twice');
    expect(await k.selectFrom('rejected_responses').select('id').execute()).toEqual([]);
  });

  it('reports a malformed CSV with its line', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    await expect(importHistoryCsv(k, csv('email,score,respondedAt\nann@acme.example,9,"2026-11-01\n'), options())).rejects.toThrow(/^CSV line 2: /);
  });

  it('is all or nothing: an unclosed quote at line 11,002 of 12,000 stores none of the 11,000 rows before it, and says where', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    const rows = Array.from({ length: 12_000 }, (_, i) => `ann@acme.example,${i % 11},2026-11-01T10:00:00Z,r${i + 2}`);
    rows[11_000] = 'ann@acme.example,9,2026-11-01T10:00:00Z,"never closed';
    // The first 11,000 rows include an invalid one, whose rejection is not left behind either.
    rows[5] = 'ann@acme.example,11,2026-11-01T10:00:00Z,r7';
    const file = ['email,score,respondedAt,responseId', ...rows].join('\n');
    const failure = await importHistoryCsv(k, csv(file), options()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HistoryCsvError);
    expect(failure).toMatchObject({ line: 11_002, message: expect.stringMatching(/^CSV line 11002: the row starting here cannot be read: Quote Not Closed.*; nothing was imported$/) });
    expect(await k.selectFrom('nps_responses').select('id').execute()).toEqual([]);
    expect(await k.selectFrom('rejected_responses').select('id').execute()).toEqual([]);
    expect(await k.selectFrom('account_nps_snapshots').select('account_id').execute()).toEqual([]);
  });

  it('leaves nothing behind when the database fails half-way through a file', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    const file = ['email,score,respondedAt,responseId', ...Array.from({ length: 30 }, (_, i) => `ann@acme.example,9,2026-11-01T10:00:00Z,r${i}`)].join('\n');
    // The third batch's write fails.
    await sql`create function npsloop_test_fail() returns trigger language plpgsql as $$ begin if new.source_response_id = 'r25' then raise exception 'disk full (test)'; end if; return new; end $$`.execute(k);
    await sql`create trigger npsloop_test_fail before insert on nps_responses for each row execute function npsloop_test_fail()`.execute(k);
    try {
      await expect(importHistoryCsv(k, csv(file), options({ batchSize: 10 }))).rejects.toThrow(/disk full \(test\)/);
    } finally {
      await sql`drop function npsloop_test_fail() cascade`.execute(k);
    }
    expect(await k.selectFrom('nps_responses').select('id').execute()).toEqual([]);
  });

  it('rejects a row with a NUL in any column, with its line and column, keeps it storable in the rejection log, and imports the rest', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    const rows = Array.from({ length: 8_000 }, (_, i) => `ann@acme.example,${i % 11},2026-11-01T10:00:00Z,r${i + 2},`);
    rows[6_999] = 'ann@acme.example,9,2026-11-01T10:00:00Z,r7001,"bad\u0000comment"';
    rows[7_000] = 'ann@acme.example,9,2026-11-01T10:00:00Z,r7002,,web\u0000app';
    rows[7_001] = 'a\u0000n@acme.example,99,2026-11-01T10:00:00Z,r7003,';
    const file = ['email,score,respondedAt,responseId,comment,channel', ...rows].join('\n');
    const result = await importHistoryCsv(k, csv(file), options());
    expect(result).toMatchObject({ rows: 8_000, inserted: 7_997, rejected: 3 });
    expect(result.rejections).toEqual([
      { reason: 'invalid', line: 7_001, sourceResponseId: 'r7001', issues: [{ path: 'comment', message: 'must not contain NUL characters (U+0000)' }] },
      { reason: 'invalid', line: 7_002, sourceResponseId: 'r7002', issues: [{ path: 'channel', message: 'must not contain NUL characters (U+0000)' }] },
      {
        reason: 'invalid',
        line: 7_003,
        sourceResponseId: 'r7003',
        issues: [
          { path: 'email', message: 'must not contain NUL characters (U+0000)' },
          { path: 'score', message: 'must be from 0 to 10' },
        ],
      },
    ]);
    const logged = await k.selectFrom('rejected_responses').select(['line', 'email', 'payload']).orderBy('line').execute();
    expect(logged.map((r) => r.line)).toEqual([7_001, 7_002, 7_003]);
    expect(logged[0]!.payload).toMatchObject({ comment: 'bad\u2400comment' });
    expect(logged[1]!.payload).toMatchObject({ channel: 'web\u2400app' });
    expect(logged[2]).toMatchObject({ email: 'a\u2400n@acme.example', payload: { email: 'a\u2400n@acme.example' } });
  });

  it('refuses a file that is not UTF-8 with the line of the first bad byte, storing nothing', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    const latin1 = Buffer.concat([
      Buffer.from('email,score,respondedAt,comment\r\nann@acme.example,9,2026-11-01T10:00:00Z,ok\r\nann@acme.example,9,2026-11-02T10:00:00Z,'),
      Buffer.from('Jos\u00e9', 'latin1'),
      Buffer.from('\r\n'),
    ]);
    // The é of "José" in Latin-1, one byte that is no UTF-8 character, split from its line's start across chunks.
    const offset = latin1.indexOf(0xe9);
    await expect(importHistoryCsv(k, Readable.from([latin1.subarray(0, offset - 2), latin1.subarray(offset - 2)]), options())).rejects.toThrow(
      `CSV line 3: byte ${offset} of the file is not UTF-8; save the file as UTF-8 and import it again; nothing was imported`,
    );
    expect(offset).toBe(120);
    expect(await k.selectFrom('nps_responses').select('id').execute()).toEqual([]);
  });
});
