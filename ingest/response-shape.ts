import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ResponseRow } from '../db/queries/nps-responses.ts';
import type { RejectionIssue } from '../db/tables/rejected-responses.ts';

/**
 * The one shape every source is normalised to before it touches the database.
 * Vendors send strings for numbers and several date forms; this is where that ends.
 */
export interface NormalizedResponse extends ResponseRow {
  source: string;
}

/** What an adapter extracts from a payload, before validation: any value may still be wrong. */
export interface ResponseCandidate {
  source: string;
  sourceResponseId: unknown;
  email: unknown;
  score: unknown;
  respondedAt: unknown;
  comment?: unknown;
  excluded?: unknown;
}

/** Where each candidate field came from in the vendor payload, so errors name the vendor's path. */
export type FieldPaths = Partial<Record<keyof ResponseCandidate, string>>;

export interface NormalizeOptions {
  now: Date;
  /** Zone for dates written without an offset, such as "2026-03-01" in a CSV. */
  timeZone: string;
  /** Clock skew allowed before a date counts as "in the future". */
  futureToleranceMs?: number;
}

export type NormalizeResult =
  | { ok: true; response: NormalizedResponse }
  | { ok: false; issues: RejectionIssue[]; email: string | null; sourceResponseId: string | null };

const DEFAULT_FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * The earliest date a response may carry. NPS dates from 2003: an earlier date is a placeholder
 * (a zero timestamp is 1970), a seconds/milliseconds mix-up or a typo, never an answer. The
 * latest is now, give or take `futureToleranceMs` of clock skew.
 */
export const EARLIEST_RESPONSE_DATE = new Date('2000-01-01T00:00:00Z');

const scoreSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
  z
    .number({ error: 'must be a number from 0 to 10' })
    .int({ error: 'must be a whole number from 0 to 10' })
    .min(0, { error: 'must be from 0 to 10' })
    .max(10, { error: 'must be from 0 to 10' }),
);

const emailSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z
    .email({ error: (issue) => (issue.input === undefined || issue.input === '' ? 'is required' : 'must be an email address') })
    // A user's email is at most 320 characters (instance sync): a longer one could never be matched.
    .max(320, { error: 'must be at most 320 characters' }),
);

const idSchema = z.preprocess(
  (value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value),
  z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(200, { error: 'must be at most 200 characters' }),
);

const commentSchema = z.preprocess(
  (value) => (value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ? null : value),
  z.string({ error: 'must be text' }).max(10_000, { error: 'must be at most 10,000 characters' }).nullable(),
);

const excludedSchema = z.preprocess(
  (value) => {
    if (value === undefined || value === null || value === '') return false;
    if (value === 'true' || value === '1' || value === 1) return true;
    if (value === 'false' || value === '0' || value === 0) return false;
    return value;
  },
  z.boolean({ error: 'must be true or false' }),
);

/**
 * Parses the date forms survey tools send: a Date, ISO 8601 (with or without an offset),
 * unix seconds as a number or a string, or unix milliseconds. Null when the value is none of
 * these or lies outside what a JavaScript Date can hold (about ±275,000 years).
 */
export function parseResponseDate(value: unknown, timeZone: string): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  // Fewer digits are ISO forms: "2026" is a year, "20260309" a basic-format date.
  if (/^\d{9,13}$/.test(text)) return fromEpoch(Number(text));
  // Fast path for the common case, a full timestamp with its offset: Date.parse is exact there.
  if (ISO_WITH_OFFSET.test(text)) return parseIsoWithOffset(text);
  const iso = DateTime.fromISO(text, { zone: timeZone, setZone: true });
  if (iso.isValid) return iso.toJSDate();
  const sqlLike = DateTime.fromSQL(text, { zone: timeZone, setZone: true });
  return sqlLike.isValid ? sqlLike.toJSDate() : null;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseIsoWithOffset(text: string): Date | null {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  // V8 rolls "02-30" over into March; a day the month does not have is not a date.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function fromEpoch(value: number): Date | null {
  // Below 1e11 is seconds (until the year 5138), from it milliseconds. Every accepted date
  // (2000 to now) is 9.5e8..2e9 as seconds and 9.5e11..2e12 as milliseconds, so whichever unit
  // a tool sends, no accepted date can be read in the other.
  const date = new Date(Math.abs(value) < 1e11 ? value * 1000 : value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function dateSchema(options: NormalizeOptions) {
  const latest = options.now.getTime() + (options.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS);
  const earliestDay = EARLIEST_RESPONSE_DATE.toISOString().slice(0, 10);
  return z
    .unknown()
    .transform((value, ctx) => {
      if (value === undefined || value === null || value === '') {
        ctx.addIssue({ code: 'custom', message: 'is required' });
        return z.NEVER;
      }
      const date = parseResponseDate(value, options.timeZone);
      if (!date) {
        const what = typeof value === 'number' ? 'a unix time in seconds or milliseconds' : 'a date';
        ctx.addIssue({ code: 'custom', message: `is not ${what}: ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      if (date < EARLIEST_RESPONSE_DATE) {
        ctx.addIssue({ code: 'custom', message: `is before ${earliestDay}, earlier than any NPS response: ${date.toISOString()}` });
        return z.NEVER;
      }
      if (date.getTime() > latest) {
        ctx.addIssue({ code: 'custom', message: `is in the future: ${date.toISOString()}` });
        return z.NEVER;
      }
      return date;
    });
}

function candidateSchema(options: NormalizeOptions) {
  return z.object({
    source: z.string().min(1),
    sourceResponseId: idSchema,
    email: emailSchema,
    score: scoreSchema,
    respondedAt: dateSchema(options),
    comment: commentSchema,
    excluded: excludedSchema,
  });
}

export type ResponseNormalizer = (candidate: ResponseCandidate, paths: FieldPaths) => NormalizeResult;

/** Said of a field holding U+0000, which PostgreSQL text cannot store. */
export const NUL_REFUSED = 'must not contain NUL characters (U+0000)';

const TEXT_FIELDS = ['source', 'sourceResponseId', 'email', 'comment'] as const satisfies (keyof ResponseCandidate)[];

/** Builds the validator once for a batch: schema construction costs more than a parse. */
export function createNormalizer(options: NormalizeOptions): ResponseNormalizer {
  const schema = candidateSchema(options);
  return (candidate, paths) => {
    const parsed = schema.safeParse(candidate);
    const withNul: (keyof ResponseCandidate)[] = TEXT_FIELDS.filter((field) => {
      const value = candidate[field];
      return typeof value === 'string' && value.includes('\u0000');
    });
    if (parsed.success && withNul.length === 0) return { ok: true, response: parsed.data };
    // A field with a NUL is reported for that alone: what else is wrong with it is beside the point.
    const fieldIssues = (parsed.success ? [] : parsed.error.issues)
      .map((issue) => ({ field: String(issue.path[0] ?? '') as keyof ResponseCandidate, message: issue.message }))
      .filter(({ field }) => !withNul.includes(field));
    const issues = [...withNul.map((field) => ({ field, message: NUL_REFUSED })), ...fieldIssues].map(({ field, message }) => ({
      path: paths[field] ?? field,
      message,
    }));
    const email =
      typeof candidate.email === 'string' && candidate.email.trim() !== '' ? candidate.email.trim().toLowerCase() : null;
    const id = candidate.sourceResponseId;
    const sourceResponseId = typeof id === 'string' || typeof id === 'number' ? String(id) : null;
    return { ok: false, issues, email, sourceResponseId };
  };
}

/** Validates one candidate; every problem is reported with the vendor's own field path. */
export function normalizeResponse(
  candidate: ResponseCandidate,
  paths: FieldPaths,
  options: NormalizeOptions,
): NormalizeResult {
  return createNormalizer(options)(candidate, paths);
}
