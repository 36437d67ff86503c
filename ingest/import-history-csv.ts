import { pipeline, type Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import type { RejectionIssue } from '../db/tables/rejected-responses.ts';
import type { CountingMode } from '../nps/counts.ts';
import { csvStartLine } from './csv-start-line.ts';
import { journeyWindowStart } from './history-window.ts';
import { createNormalizer, NUL_REFUSED, parseResponseDate, type ResponseNormalizer } from './response-shape.ts';
import { derivedId, emailIdPart } from './sources/derived-id.ts';
import { type IngestItem, type Rejection, type StoreBatchResult, storeBatch } from './store-batch.ts';
import { InvalidUtf8Error, utf8Validator } from './utf8-validator.ts';

export const REQUIRED_CSV_COLUMNS = ['email', 'score', 'respondedAt'] as const;
/**
 * Accepted names for the source's own response id, first match wins. The snake_case ones stay
 * because history files are often other tools' exports, which name the id so.
 */
export const SOURCE_ID_COLUMNS = ['responseId', 'source_response_id', 'response_id', 'id'] as const;
const KNOWN_COLUMNS: readonly string[] = [...REQUIRED_CSV_COLUMNS, 'comment', ...SOURCE_ID_COLUMNS];

export interface HistoryImportOptions {
  /** Recorded as the responses' source; `csv` unless the file came from a named tool. */
  source?: string;
  now: Date;
  /** Zone for dates written without an offset. */
  timeZone: string;
  /** Responses given before this are skipped (the default history window is 6 months). */
  since: Date;
  counting: CountingMode;
  /**
   * Whether responses of the last `JOURNEY_WINDOW_DAYS` days start their workflows (queued for the
   * relay, as webhooks' are); older ones never do. On unless the caller turns it off.
   */
  startJourneys?: boolean;
  batchSize?: number;
  onProgress?: (progress: HistoryImportProgress) => void;
}

export interface HistoryImportProgress {
  bytes: number;
  rows: number;
  accepted: number;
  rejected: number;
  skipped: number;
  /** Recent responses whose workflow start was queued: the relay starts them once the import commits. */
  workflowsQueued: number;
}

export interface HistoryImportResult extends HistoryImportProgress {
  inserted: number;
  updated: number;
  unchanged: number;
  /** The first rejections, in file order; all of them are in the rejection log. */
  rejections: Rejection[];
  /** Accounts with a new or changed response; their NPS snapshots are already recomputed. */
  touchedAccountIds: number[];
}

/** The longest row a history file may hold: a 10,000-character comment is under 40 KB. */
export const MAX_CSV_ROW_BYTES = 256 * 1024;

/** A file that cannot be read as a history CSV, at a line: the whole import is refused. */
export class HistoryCsvError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`CSV line ${line}: ${reason}; nothing was imported`);
    this.name = 'HistoryCsvError';
  }
}

const REJECTION_SAMPLE = 100;
const SNAPSHOT_CHUNK = 1_000;

/**
 * Streams a CSV of past responses into the database through the same path as webhooks, in
 * bulk batches, with memory flat in the file's size; while one batch is being written the next
 * is parsed. All or nothing: the whole file is one transaction, so a file that turns out
 * unreadable at some line (HistoryCsvError), a failing read or a database error leaves nothing
 * behind, rejections included. A row that is read but invalid is not such a failure: it is
 * rejected with its line and field, and the rest is imported. Affected accounts are recomputed
 * once, at the end, in the same transaction. Importing a file again counts nothing twice.
 * Each new or changed response of the last `JOURNEY_WINDOW_DAYS` days is queued, in its batch's
 * write, to start its workflow like a webhook's (unless `startJourneys` is false); a re-import
 * queues none again.
 */
export async function importHistoryCsv(
  db: Kysely<Database>,
  input: Readable,
  options: HistoryImportOptions,
): Promise<HistoryImportResult> {
  // The line the record being read starts on: where a parse error is reported.
  const reading = { line: 1 };
  try {
    return await inTransaction(db, (trx) => importRows(trx, input, options, reading));
  } catch (error) {
    if (error instanceof CsvError) {
      const reason =
        error.code === 'CSV_MAX_RECORD_SIZE'
          ? `the row is longer than ${MAX_CSV_ROW_BYTES.toLocaleString('en')} bytes, the most a row may hold`
          : `the row starting here cannot be read: ${error.message}`;
      throw new HistoryCsvError(reading.line, reason);
    }
    if (error instanceof InvalidUtf8Error) {
      throw new HistoryCsvError(error.line, `byte ${error.byteOffset} of the file is not UTF-8; save the file as UTF-8 and import it again`);
    }
    throw error;
  }
}

async function importRows(
  db: Kysely<Database>,
  input: Readable,
  options: HistoryImportOptions,
  reading: { line: number },
): Promise<HistoryImportResult> {
  const source = options.source ?? 'csv';
  const batchSize = options.batchSize ?? 5_000;
  const normalize = createNormalizer({ now: options.now, timeZone: options.timeZone });
  const startWorkflowsFrom = options.startJourneys === false ? null : journeyWindowStart(options.now, options.timeZone);
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      // Blank lines before the header are skipped: it is where the parser has reached.
      const columns = readHeader(header, csvStartLine(header, parser.info.lines));
      reading.line = parser.info.lines + 1;
      return columns;
    },
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
    info: true,
    max_record_size: MAX_CSV_ROW_BYTES,
  });
  // A file that is not UTF-8 is refused, not read with U+FFFD in place of what it says.
  pipeline(input, utf8Validator(), parser, () => {});

  const result: HistoryImportResult = {
    bytes: 0, rows: 0, accepted: 0, rejected: 0, skipped: 0, workflowsQueued: 0,
    inserted: 0, updated: 0, unchanged: 0, rejections: [], touchedAccountIds: [],
  };
  const touched = new Set<number>();
  let idColumn: string | undefined;
  let batch: IngestItem[] = [];
  let writing: Promise<void> = Promise.resolve();
  // A failed write is held here, not left as a floating rejection, and stops the import.
  let writeFailure: unknown;

  const tally = (stored: StoreBatchResult) => {
    result.inserted += stored.inserted;
    result.updated += stored.updated;
    result.unchanged += stored.unchanged;
    result.accepted += stored.inserted + stored.updated + stored.unchanged;
    result.rejected += stored.rejected.length;
    result.workflowsQueued += stored.workflowsQueued;
    for (const rejection of stored.rejected) {
      if (result.rejections.length < REJECTION_SAMPLE) result.rejections.push(rejection);
    }
    for (const id of stored.touchedAccountIds) touched.add(id);
    options.onProgress?.({ ...result });
  };
  const flush = async () => {
    const items = batch;
    batch = [];
    await writing;
    if (writeFailure) throw writeFailure;
    writing = storeBatch(db, source, items, options.now, { detail: 'summary', startWorkflowsFrom }).then(tally, (error: unknown) => {
      writeFailure = error;
    });
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; bytes: number } }>) {
      reading.line = info.lines + 1;
      idColumn ??= SOURCE_ID_COLUMNS.find((column) => column in record);
      result.rows += 1;
      result.bytes = info.bytes;
      const item = historyItem(record, info.lines, { source, idColumn, normalize, timeZone: options.timeZone });
      if (item.ok && item.response.respondedAt < options.since) {
        result.skipped += 1;
        continue;
      }
      batch.push(item);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    // A batch still being written finishes before the transaction ends, committed or not.
    await writing;
  }
  if (writeFailure) throw writeFailure;

  const accountIds = [...touched];
  for (let i = 0; i < accountIds.length; i += SNAPSHOT_CHUNK) {
    await refreshStandardSnapshots(db, accountIds.slice(i, i + SNAPSHOT_CHUNK), options);
  }
  result.touchedAccountIds = accountIds;
  result.rejections.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return result;
}

/** One CSV row as a response, or as the reasons it is not one (a NUL in any column among them). */
function historyItem(
  record: Record<string, string>,
  line: number,
  { source, idColumn, normalize, timeZone }: { source: string; idColumn: string | undefined; normalize: ResponseNormalizer; timeZone: string },
): IngestItem {
  const email = record.email ?? '';
  const respondedAt = record.respondedAt ?? '';
  const givenId = idColumn ? record[idColumn] : undefined;
  const parsedDate = parseResponseDate(respondedAt, timeZone);
  const outcome = normalize(
    {
      source,
      sourceResponseId: givenId || derivedId([source, emailIdPart(email), parsedDate?.toISOString() ?? respondedAt]),
      email,
      score: record.score ?? '',
      respondedAt,
      comment: record.comment,
    },
    { sourceResponseId: idColumn ?? 'responseId' },
  );
  const nulIssues: RejectionIssue[] = Object.keys(record)
    .filter((column) => record[column]!.includes('\u0000'))
    .map((column) => ({ path: column, message: NUL_REFUSED }));
  if (outcome.ok && nulIssues.length === 0) return { ok: true, response: outcome.response, payload: record, line };
  const fieldIssues = outcome.ok ? [] : outcome.issues.filter((issue) => !nulIssues.some((nul) => nul.path === issue.path));
  return {
    ok: false,
    issues: [...nulIssues, ...fieldIssues],
    payload: record,
    line,
    email: outcome.ok ? outcome.response.email : outcome.email,
    sourceResponseId: outcome.ok ? outcome.response.sourceResponseId : outcome.sourceResponseId,
  };
}

/** A header name as the import reads it: in any case (a spreadsheet's "Email"), a known column by its canonical name. */
export function historyColumnName(name: string): string {
  const lowerCase = name.trim().toLowerCase();
  return KNOWN_COLUMNS.find((known) => known.toLowerCase() === lowerCase) ?? lowerCase;
}

function readHeader(header: string[], line: number): string[] {
  const columns = header.map(historyColumnName);
  const missing = REQUIRED_CSV_COLUMNS.filter((required) => !columns.includes(required));
  if (missing.length > 0) {
    throw new HistoryCsvError(
      line,
      `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        `the header must name ${REQUIRED_CSV_COLUMNS.join(', ')} (comment and ${SOURCE_ID_COLUMNS.join(' or ')} are optional)`,
    );
  }
  const duplicate = columns.find((name, i) => columns.indexOf(name) !== i);
  if (duplicate) throw new HistoryCsvError(line, `column "${duplicate}" appears twice`);
  const withNul = columns.findIndex((name) => name.includes('\u0000'));
  if (withNul !== -1) throw new HistoryCsvError(line, `the name of column ${withNul + 1} ${NUL_REFUSED}`);
  return columns;
}
