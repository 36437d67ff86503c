import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { CsvHeaderError, type HistoryImportOptions, importHistoryCsv } from '../../ingest/import-history-csv.ts';
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
      'email,score,responded_at,comment,response_id',
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
      [8, 'invalid', ['responded_at: is not a date: "not a date"']],
      [9, 'invalid', ['responded_at: is in the future: 2027-01-01T00:00:00.000Z']],
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
    const file = 'Email,Score,Responded_At\nann@acme.example,9,2026-11-01T10:00:00Z\nAnn@Acme.example,6,2026-11-02T10:00:00+01:00\n';
    const first = await importHistoryCsv(k, csv(file), options());
    const second = await importHistoryCsv(k, csv(file), options());
    expect(first).toMatchObject({ inserted: 2 });
    expect(second).toMatchObject({ inserted: 0, unchanged: 2 });
    expect(await k.selectFrom('nps_responses').select('id').execute()).toHaveLength(2);
  });

  it('refuses a file whose header lacks a required column, before storing anything', async () => {
    const k = db().kysely;
    await expect(importHistoryCsv(k, csv('mail,score,when\na@b.example,9,2026-11-01\n'), options())).rejects.toThrow(CsvHeaderError);
    await expect(importHistoryCsv(k, csv('mail,score,when\n'), options())).rejects.toThrow(
      'CSV line 1: missing columns email, responded_at; the header must name email, score, responded_at',
    );
    expect(await k.selectFrom('rejected_responses').select('id').execute()).toEqual([]);
  });

  it('reports a malformed CSV with its line', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example'] });
    await expect(importHistoryCsv(k, csv('email,score,responded_at\nann@acme.example,9,"2026-11-01\n'), options())).rejects.toThrow(/line 2/);
  });
});
