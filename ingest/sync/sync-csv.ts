import { pipeline, type Readable } from 'node:stream';
import { CsvError, type Options, parse } from 'csv-parse';
import type { z } from 'zod';
import { csvStartLine } from '../csv-start-line.ts';
import { type SyncEntity, syncRecordSchemas } from './schemas.ts';
import type { SyncCsvRows } from './sync-batch.ts';

/** A file that cannot be read as a sync CSV at all: nothing in it is synced. */
export class SyncCsvError extends Error {
  constructor(
    message: string,
    /** 1-based line of the file the problem is on. */
    readonly line: number,
    options?: ErrorOptions,
  ) {
    super(`line ${line}: ${message}`, options);
    this.name = 'SyncCsvError';
  }
}

export interface ParseSyncCsvOptions {
  /** Rows beyond this make the whole file an error rather than a silently partial sync. */
  maxRows?: number;
}

const DEFAULT_MAX_ROWS = 100_000;

/** Columns named `attr.<name>` become `attributes.<name>`, kept as text. */
const ATTRIBUTE_COLUMN_PREFIX = 'attr.';

/**
 * Reads a CSV file of one entity into records for its schema, each with the line it starts on.
 * The header names the record's fields (`externalId`, `email`, …) and any `attr.<name>`
 * attributes; an empty cell is an absent value. A header naming an unknown column or missing a
 * required one, or a row that is not well-formed CSV, throws a SyncCsvError with its line;
 * invalid values are left to the sync, which rejects those rows alone.
 */
export async function parseSyncCsv(
  entity: SyncEntity,
  input: string | Readable,
  { maxRows = DEFAULT_MAX_ROWS }: ParseSyncCsvOptions = {},
): Promise<SyncCsvRows> {
  const options: Options = {
    bom: true,
    // Blank lines before the header are skipped: it is where the parser has reached.
    columns: (header: string[]) => checkedHeader(entity, header, csvStartLine(header, parser.info.lines)),
    skip_empty_lines: true,
    info: true,
  };
  let parser: ReturnType<typeof parse>;
  if (typeof input === 'string') {
    parser = parse(input, options);
  } else {
    parser = parse(options);
    // The parser is the one read from: a failing input stream destroys it with the error.
    pipeline(input, parser, () => {});
  }

  const rows: SyncCsvRows['rows'] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const line = csvStartLine(Object.values(record), info.lines);
      if (rows.length === maxRows) throw new SyncCsvError(`more than ${maxRows} rows; split the file`, line);
      rows.push({ line, record: toSyncRecord(record) });
    }
  } catch (error) {
    // csv-parse's error context carries the line it stopped on.
    if (error instanceof CsvError) throw new SyncCsvError(error.message, typeof error.lines === 'number' ? error.lines : 1, { cause: error });
    throw error;
  }
  return { format: 'csv', rows };
}

function checkedHeader(entity: SyncEntity, header: string[], line: number): string[] {
  const shape: Record<string, z.ZodType> = syncRecordSchemas[entity].shape;
  const fields = Object.keys(shape).filter((field) => field !== 'attributes');
  const columns = header.map((column) => column.trim());
  const hasAttributes = 'attributes' in shape;
  const unknown = columns.filter(
    (column) => !fields.includes(column) && !(hasAttributes && column.startsWith(ATTRIBUTE_COLUMN_PREFIX) && column.length > ATTRIBUTE_COLUMN_PREFIX.length),
  );
  if (unknown.length > 0) {
    const expected = [...fields, ...(hasAttributes ? [`${ATTRIBUTE_COLUMN_PREFIX}<name>`] : [])].join(', ');
    throw new SyncCsvError(`unknown column ${unknown.map((c) => JSON.stringify(c)).join(', ')} for a ${entity} (columns: ${expected})`, line);
  }
  const repeated = columns.filter((column, index) => columns.indexOf(column) !== index);
  if (repeated.length > 0) throw new SyncCsvError(`column ${JSON.stringify(repeated[0])} appears more than once`, line);
  const missing = fields.filter((field) => !columns.includes(field) && !shape[field]?.safeParse(undefined).success);
  if (missing.length > 0) throw new SyncCsvError(`missing required column ${missing.map((c) => JSON.stringify(c)).join(', ')} for a ${entity}`, line);
  return columns;
}

/** csv-parse reports the line a record ends on; a quoted cell may span several. */
function toSyncRecord(row: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value.trim() === '') continue;
    if (column.startsWith(ATTRIBUTE_COLUMN_PREFIX)) attributes[column.slice(ATTRIBUTE_COLUMN_PREFIX.length)] = value.trim();
    else record[column] = value;
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  return record;
}
