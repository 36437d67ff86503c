import { type Kysely, sql } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { RejectionIssue } from '../../db/tables/rejected-responses.ts';

export type SyncIssue = RejectionIssue;

export interface SyncRejection {
  /** 0-based position of the record in the batch. */
  index: number;
  /** 1-based line in the CSV file the record started on (the header is line 1), when it came from one. */
  line?: number;
  externalId: string | null;
  issues: SyncIssue[];
}

export interface SyncResult {
  received: number;
  upserted: number;
  /** In batch order. */
  rejected: SyncRejection[];
}

export interface SyncOptions {
  /** When the sync happens: the updated_at of written rows, and when an ownership change takes effect. */
  now: Date;
}

/** The rows of a CSV file, as records for the schemas, each with the line it started on. */
export interface SyncCsvRows {
  format: 'csv';
  rows: { line: number; record: Record<string, unknown> }[];
}

/** A JSON array of records, or the rows of a CSV file. */
export type SyncInput = readonly unknown[] | SyncCsvRows;

/** A record that passed every check so far, with where it came from. */
export interface AcceptedRecord<T> {
  index: number;
  line?: number;
  record: T;
}

/** Names the record itself when the problem is not one of its fields. */
const RECORD_ROOT_PATH = '(record)';

/**
 * The records of one sync: validated against their schema on construction, then narrowed by
 * each further check; every record that fails is kept as a rejection with its issues.
 */
export class SyncBatch<T extends { externalId: string }> {
  readonly received: number;
  accepted: AcceptedRecord<T>[] = [];
  private readonly rejections: SyncRejection[] = [];

  constructor(schema: z.ZodType<T>, input: SyncInput) {
    const entries = Array.isArray(input)
      ? input.map((record, index) => ({ index, line: undefined, record }))
      : (input as SyncCsvRows).rows.map(({ line, record }, index) => ({ index, line, record }));
    this.received = entries.length;
    for (const { index, line, record } of entries) {
      const parsed = schema.safeParse(record);
      if (parsed.success) {
        this.accepted.push(line === undefined ? { index, record: parsed.data } : { index, line, record: parsed.data });
        continue;
      }
      const issues = parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path, line !== undefined),
        message: issue.message,
      }));
      this.reject({ index, line }, rawExternalId(record), issues);
    }
    // One statement cannot upsert a row twice; the first version is kept and later ones are reported.
    const seen = new Map<string, AcceptedRecord<T>>();
    this.keepWhere((item) => {
      const earlier = seen.get(item.record.externalId);
      if (earlier) return [{ path: 'externalId', message: `${quote(item.record.externalId)} appears earlier in this batch (${where(earlier)})` }];
      seen.set(item.record.externalId, item);
      return [];
    });
  }

  /** Keeps the accepted records `check` finds nothing wrong with; rejects the others with its issues. */
  keepWhere(check: (item: AcceptedRecord<T>) => SyncIssue[]): void {
    const kept: AcceptedRecord<T>[] = [];
    for (const item of this.accepted) {
      const issues = check(item);
      if (issues.length === 0) kept.push(item);
      else this.reject(item, item.record.externalId, issues);
    }
    this.accepted = kept;
  }

  /** The records to write. */
  get records(): T[] {
    return this.accepted.map((item) => item.record);
  }

  result(): SyncResult {
    return {
      received: this.received,
      upserted: this.accepted.length,
      rejected: [...this.rejections].sort((a, b) => a.index - b.index),
    };
  }

  private reject(at: { index: number; line?: number | undefined }, externalId: string | null, issues: SyncIssue[]): void {
    this.rejections.push(
      at.line === undefined ? { index: at.index, externalId, issues } : { index: at.index, line: at.line, externalId, issues },
    );
  }
}

/** `attributes.plan` is the column `attr.plan` in a CSV file. */
function formatPath(path: readonly PropertyKey[], fromCsv: boolean): string {
  if (path.length === 0) return RECORD_ROOT_PATH;
  const [head, ...rest] = path.map(String);
  if (fromCsv && head === 'attributes' && rest.length > 0) return `attr.${rest.join('.')}`;
  return [head, ...rest].join('.');
}

function rawExternalId(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const id = (record as Record<string, unknown>).externalId;
  if (typeof id === 'string' && id.trim() !== '') return id.trim();
  return typeof id === 'number' && Number.isFinite(id) ? String(id) : null;
}

/** Where a record is, for a message: its CSV line, or its index in a JSON batch. */
export function where(item: { index: number; line?: number }): string {
  return item.line === undefined ? `index ${item.index}` : `line ${item.line}`;
}

export function quote(externalId: string): string {
  return JSON.stringify(externalId);
}

/** PostgreSQL's extended protocol numbers bind parameters with 16 bits. */
const MAX_BIND_PARAMETERS = 65_535;

/** Splits rows for multi-row statements so each stays under the bind-parameter limit. */
export function chunksForParameters<R extends object>(rows: R[]): R[][] {
  const parametersPerRow = Math.max(1, Object.keys(rows[0] ?? {}).length);
  const size = Math.floor(MAX_BIND_PARAMETERS / parametersPerRow);
  const chunks: R[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}

/** `= any(…)` over one array parameter, so a lookup by many values needs one bind parameter. */
export function anyText(values: readonly string[]) {
  return sql<string>`any(${values}::text[])`;
}

export function anyInteger(values: readonly number[]) {
  return sql<number>`any(${values}::integer[])`;
}

/** The issue of a record whose field `path` names a CSM or account this instance does not have. */
export function unknownReference(path: string, entity: 'CSM' | 'account', externalId: string): SyncIssue {
  return { path, message: `no ${entity} with external id ${quote(externalId)} is known to this instance` };
}

/** The id of an external id that an earlier check made sure is known. */
export function knownId(ids: ReadonlyMap<string, number>, externalId: string): number {
  const id = ids.get(externalId);
  if (id === undefined) throw new Error(`external id ${quote(externalId)} should have been resolved by now`);
  return id;
}

/** Ids by external id of the csms or accounts among `externalIds` that exist. */
export async function idsByExternalId(
  db: Kysely<Database>,
  table: 'csms' | 'accounts',
  externalIds: readonly string[],
): Promise<Map<string, number>> {
  const unique = [...new Set(externalIds)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom(table).select(['id', 'external_id']).where('external_id', '=', anyText(unique)).execute();
  return new Map(rows.map((row) => [row.external_id, row.id]));
}
