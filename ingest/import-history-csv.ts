import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import type { CountingMode } from '../nps/counts.ts';
import { createNormalizer, parseResponseDate } from './response-shape.ts';
import { derivedId, emailIdPart } from './sources/derived-id.ts';
import { type IngestItem, type Rejection, type StoreBatchResult, storeBatch } from './store-batch.ts';

export const REQUIRED_CSV_COLUMNS = ['email', 'score', 'responded_at'] as const;
/** Accepted names for the source's own response id, first match wins. */
export const SOURCE_ID_COLUMNS = ['source_response_id', 'response_id', 'id'] as const;

export interface HistoryImportOptions {
  /** Recorded as the responses' source; `csv` unless the file came from a named tool. */
  source?: string;
  now: Date;
  /** Zone for dates written without an offset. */
  timeZone: string;
  /** Responses given before this are skipped (the default history window is 6 months). */
  since: Date;
  counting: CountingMode;
  batchSize?: number;
  onProgress?: (progress: HistoryImportProgress) => void;
}

export interface HistoryImportProgress {
  bytes: number;
  rows: number;
  accepted: number;
  rejected: number;
  skipped: number;
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

export class CsvHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvHeaderError';
  }
}

const REJECTION_SAMPLE = 100;
const SNAPSHOT_CHUNK = 1_000;

/**
 * Streams a CSV of past responses into the database through the same path as webhooks,
 * in bulk batches, with memory flat in the file's size. While one batch is being written
 * the next is parsed. Affected accounts are recomputed once, at the end. Each batch commits
 * on its own, so an import that stops half-way can simply be run again: nothing is counted twice.
 */
export async function importHistoryCsv(
  db: Kysely<Database>,
  input: Readable,
  options: HistoryImportOptions,
): Promise<HistoryImportResult> {
  const source = options.source ?? 'csv';
  const batchSize = options.batchSize ?? 5_000;
  const normalize = createNormalizer({ now: options.now, timeZone: options.timeZone });
  const parser = parse({ bom: true, columns: readHeader, skip_empty_lines: true, trim: true, relax_column_count: true, info: true });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  const result: HistoryImportResult = {
    bytes: 0, rows: 0, accepted: 0, rejected: 0, skipped: 0,
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
    writing = storeBatch(db, source, items, options.now, { detail: 'summary' }).then(tally, (error: unknown) => {
      writeFailure = error;
    });
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; bytes: number } }>) {
    idColumn ??= SOURCE_ID_COLUMNS.find((column) => column in record);
    result.rows += 1;
    result.bytes = info.bytes;
    const email = record.email ?? '';
    const respondedAt = record.responded_at ?? '';
    const givenId = idColumn ? record[idColumn] : undefined;
    const parsedDate = parseResponseDate(respondedAt, options.timeZone);
    const outcome = normalize(
      {
        source,
        sourceResponseId: givenId || derivedId([source, emailIdPart(email), parsedDate?.toISOString() ?? respondedAt]),
        email,
        score: record.score ?? '',
        respondedAt,
        comment: record.comment,
      },
      { sourceResponseId: idColumn ?? 'id', respondedAt: 'responded_at' },
    );
    if (outcome.ok && outcome.response.respondedAt < options.since) {
      result.skipped += 1;
      continue;
    }
    batch.push(
      outcome.ok
        ? { ok: true, response: outcome.response, payload: record, line: info.lines }
        : { ok: false, issues: outcome.issues, payload: record, line: info.lines, email: outcome.email, sourceResponseId: outcome.sourceResponseId },
    );
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await writing;
  if (writeFailure) throw writeFailure;

  const accountIds = [...touched];
  for (let i = 0; i < accountIds.length; i += SNAPSHOT_CHUNK) {
    await refreshStandardSnapshots(db, accountIds.slice(i, i + SNAPSHOT_CHUNK), options);
  }
  result.touchedAccountIds = accountIds;
  result.rejections.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return result;
}

function readHeader(header: string[]): string[] {
  const columns = header.map((name) => name.trim().toLowerCase());
  const missing = REQUIRED_CSV_COLUMNS.filter((required) => !columns.includes(required));
  if (missing.length > 0) {
    throw new CsvHeaderError(
      `CSV line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        `the header must name ${REQUIRED_CSV_COLUMNS.join(', ')} (comment and ${SOURCE_ID_COLUMNS.join(' or ')} are optional)`,
    );
  }
  const duplicate = columns.find((name, i) => columns.indexOf(name) !== i);
  if (duplicate) throw new CsvHeaderError(`CSV line 1: column "${duplicate}" appears twice`);
  return columns;
}
