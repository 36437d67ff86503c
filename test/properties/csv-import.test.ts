import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { historyColumnName, importHistoryCsv, REQUIRED_CSV_COLUMNS, SOURCE_ID_COLUMNS } from '../../ingest/import-history-csv.ts';
import { createNormalizer } from '../../ingest/response-shape.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { inRolledBackTransaction } from '../helpers/rolled-back.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { brokenCsv, csvBytes, KNOWN_EMAILS, NOW, SINCE, writtenCsv } from './arbitraries/history-csv.ts';
import { propertyRuns } from './property-runs.ts';

/*
 * The CSV history import on arbitrary files. Nothing escapes but the documented CSV errors,
 * each with its line; a rejected row is never stored; every rejection names its line, which is
 * the line of a row that should be rejected; and every stored row is one that should be taken.
 * What "should" is comes from csv-parse itself (the CSV syntax) and the one validator of
 * responses (the values), applied here row by row.
 */

const TIME_ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata'] as const;

type RowVerdict = 'accepted' | 'skipped' | 'unknown_user' | 'invalid';

interface ReadRow {
  record: Record<string, string>;
  /**
   * The lines the row spans as csv-parse counts them, which is how the import numbers its
   * rejections; whether those are the lines an editor shows is the well-formed files' property.
   */
  first: number;
  last: number;
}

interface ExpectedRow extends Omit<ReadRow, 'record'> {
  verdict: RowVerdict;
  email: string;
  score: number | null;
  respondedAt: number | null;
}

/** What the file holds as csv-parse reads it with the import's options: its rows, or the error it stops at. */
function readAsTheImportDoes(text: string): { header: string[] | null; headerLine: number; rows: ReadRow[]; error: CsvError | null } {
  let header: string[] | null = null;
  let headerLine = 1;
  try {
    // The header is the first record: after any blank lines, which are skipped.
    const [first] = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true, to: 1 }) as unknown as { record: string[]; info: { lines: number } }[];
    if (first) headerLine = first.info.lines - first.record.reduce((sum, value) => sum + (value.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
  }
  try {
    const records = parse(text, {
      bom: true,
      columns: (names: string[]) => (header = names.map(historyColumnName)),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
    const lineBreaks = (record: Record<string, string>) => Object.values(record).reduce((sum, value) => sum + (value.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    return { header, headerLine, rows: records.map(({ record, info }) => ({ record, first: info.lines - lineBreaks(record), last: info.lines })), error: null };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { header, headerLine, rows: [], error };
  }
}

/** Each row's fate by the validator of responses, as the import builds its candidate. */
function expectedRows(rows: ReadRow[], timeZone: string): ExpectedRow[] {
  const normalize = createNormalizer({ now: NOW, timeZone });
  const idColumn = rows.length > 0 ? SOURCE_ID_COLUMNS.find((column) => column in rows[0]!.record) : undefined;
  return rows.map(({ record, first, last }) => {
    const givenId = idColumn ? record[idColumn] : undefined;
    const outcome = normalize(
      {
        source: 'csv',
        // A row without an id gets one derived from its email and time, which is always valid.
        sourceResponseId: givenId || 'derived',
        email: record.email ?? '',
        score: record.score ?? '',
        respondedAt: record.respondedAt ?? '',
        comment: record.comment,
      },
      {},
    );
    // PostgreSQL cannot store a NUL: a row holding one, in a value or in its column's name, cannot be taken.
    const holdsNul = Object.entries(record).some(([column, value]) => column.includes('\u0000') || value.includes('\u0000'));
    if (!outcome.ok || holdsNul) return { first, last, verdict: 'invalid', email: '', score: null, respondedAt: null };
    const { email, score, respondedAt } = outcome.response;
    const verdict: RowVerdict = respondedAt < SINCE ? 'skipped' : (KNOWN_EMAILS as readonly string[]).includes(email) ? 'accepted' : 'unknown_user';
    return { first, last, verdict, email, score, respondedAt: respondedAt.getTime() };
  });
}

const rejectionLineIn = (line: number | null, row: { first: number; last: number }) => line !== null && line >= row.first && line <= row.last;

/**
 * The line a documented CSV error names, or null for any other error: csv-parse's own (its
 * `lines`), or the import's, whose messages start "CSV line N: ".
 */
function csvErrorLine(error: unknown): number | null {
  if (error instanceof CsvError) return typeof error.lines === 'number' ? error.lines : null;
  const line = error instanceof Error ? /^CSV line (\d+): /.exec(error.message)?.[1] : undefined;
  return line === undefined ? null : Number(line);
}

describeEachBackend('CSV history import on arbitrary files', (db) => {
  async function importAndCheck(text: string | Buffer, { timeZone, batchSize }: { timeZone: string; batchSize: number }) {
    const k = db().kysely;
    const { header, headerLine, rows, error: syntaxError } = readAsTheImportDoes(Buffer.isBuffer(text) ? text.toString('utf8') : text);
    const utf8 = !Buffer.isBuffer(text) || isUtf8(text);
    const { outcome, stored, logged } = await inRolledBackTransaction(k, async (trx) => {
      const outcome = await importHistoryCsv(trx, Readable.from([text]), { now: NOW, since: SINCE, timeZone, counting: 'every_response', batchSize }).then(
        (result) => ({ result, error: null, line: null }),
        (error: unknown) => {
          // Only the documented errors may escape, each saying where: any other fails the property as it is.
          const line = csvErrorLine(error);
          if (line === null) throw error;
          return { result: null, error: error as Error, line };
        },
      );
      return {
        outcome,
        stored: await trx.selectFrom('nps_responses').innerJoin('users', 'users.id', 'nps_responses.user_id').select(['users.email', 'score', 'responded_at']).execute(),
        logged: await trx.selectFrom('rejected_responses').select(['reason', 'line', 'issues']).execute(),
      };
    });

    // An empty file has no header and nothing to import.
    const headerMistake = header !== null && (REQUIRED_CSV_COLUMNS.some((column) => !header!.includes(column)) || new Set(header).size !== header.length);
    if (outcome.error !== null) {
      expect(outcome.line).toBeGreaterThanOrEqual(1);
      const unstorableHeader = header?.some((name) => name.includes('\u0000')) ?? false;
      // A header mistake is reported at the header's line; a file that is not UTF-8 may be refused first, at its bad byte.
      if (headerMistake && (utf8 || !/not UTF-8/.test(outcome.error.message))) {
        expect(outcome.line, `${outcome.error.message} for a header ${JSON.stringify(header)}`).toBe(headerLine);
      }
      // Else the file cannot be read as CSV (csv-parse finds so too) or as UTF-8, or its header names a column with a NUL.
      else expect(syntaxError !== null || !utf8 || unstorableHeader, `${outcome.error.message}, though the file reads whole`).toBe(true);
    } else {
      expect(headerMistake, `a header ${JSON.stringify(header)} is not taken`).toBe(false);
      expect(syntaxError, 'a file csv-parse refuses is not taken').toBeNull();
      expect(outcome.result!.rows).toBe(rows.length);
    }

    const expected = headerMistake ? [] : expectedRows(rows, timeZone);
    const rowAt = (line: number | null) => expected.find((row) => rejectionLineIn(line, row));
    // A rejected record never becomes a stored row: each stored row is one the validator takes.
    for (const row of stored) {
      const match = expected.find(
        (candidate) => candidate.verdict === 'accepted' && candidate.email === row.email && candidate.score === row.score && candidate.respondedAt === row.responded_at.getTime(),
      );
      expect(match, `stored ${JSON.stringify(row)}`).toBeDefined();
    }
    // Every rejection names the line of a row that is rejected, and with what and where.
    const rejections = [...logged, ...(outcome.result?.rejections ?? [])];
    for (const rejection of rejections) {
      const row = rowAt(rejection.line);
      expect(row?.verdict, `rejection at line ${rejection.line}: ${JSON.stringify(rejection.issues)}`).toBe(rejection.reason);
      expect(rejection.issues.length).toBeGreaterThan(0);
      for (const issue of rejection.issues) expect(issue.path).toMatch(/\S/);
    }
    // And every invalid row of a file that was read to its end is in the rejection log, at its line.
    if (outcome.error === null) {
      for (const row of expected.filter((candidate) => candidate.verdict === 'invalid')) {
        expect(logged.some((rejection) => rejectionLineIn(rejection.line, row)), `the row on lines ${row.first}–${row.last} is logged`).toBe(true);
      }
      expect(outcome.result!.skipped).toBe(expected.filter((row) => row.verdict === 'skipped').length);
    }
    return { outcome, logged };
  }

  const options = fc.record({ timeZone: fc.constantFrom(...TIME_ZONES), batchSize: fc.constantFrom(2, 5_000) });

  it('takes a well-formed file row by row: each rejection at a line of the row it is about', async () => {
    await seedAccount(db().kysely, { users: [...KNOWN_EMAILS] });
    await fc.assert(
      fc.asyncProperty(writtenCsv, options, async (file, settings) => {
        const { outcome, logged } = await importAndCheck(file.text, settings);
        expect(outcome.error).toBeNull();
        for (const rejection of logged) {
          const row = file.rows.find((written) => rejection.line! >= written.firstLine && rejection.line! <= written.lastLine);
          expect(row, `line ${rejection.line} is within a row of the file as written`).toBeDefined();
        }
      }),
      propertyRuns(25),
    );
  }, 120_000);

  it('refuses a broken file with a line, or takes what it can read; never stores a rejected row', async () => {
    await seedAccount(db().kysely, { users: [...KNOWN_EMAILS] });
    await fc.assert(
      fc.asyncProperty(brokenCsv, options, async (text, settings) => {
        await importAndCheck(text, settings);
      }),
      propertyRuns(25),
    );
  }, 120_000);

  it('reads random bytes without an exception other than the CSV errors', async () => {
    await seedAccount(db().kysely, { users: [...KNOWN_EMAILS] });
    await fc.assert(
      fc.asyncProperty(csvBytes, options, async (bytes, settings) => {
        await importAndCheck(bytes, settings);
      }),
      propertyRuns(25),
    );
  }, 120_000);
});
