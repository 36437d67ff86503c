import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/*
 * Reporting windows, computed in the account's configured IANA time zone so
 * that month and quarter edges fall where that zone puts them, across
 * daylight-saving changes too. A resolved window is the half-open interval
 * [start, end): a response given at exactly `end` belongs to the next window.
 *
 * - this_month, this_quarter, year_to_date end at `now`, not at the end of
 *   the period: responses cannot come from the future, and `end` is then the
 *   honest "as of" time of the figure.
 * - last_month, last_quarter end where the current month or quarter starts.
 * - last_days is rolling: from the same local time N calendar days ago to
 *   `now`, so a daylight-saving change inside it does not move its start.
 * - custom: `from` and `to` are ISO dates (2026-03-31) or date-times
 *   (2026-03-31T18:00, optionally with Z or ±HH:MM). A date-time without an
 *   offset is wall-clock time in the zone. A plain-date `from` starts at the
 *   start of that day; a plain-date `to` includes that whole day (the window
 *   ends at the start of the next day), so from = to = a date is one day. A
 *   date-time `to` is the exclusive end instant. An empty window is rejected.
 */

export const timeZoneSchema = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), { message: 'must be an IANA time zone name, e.g. Europe/Paris or UTC' });

const windowBoundSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true, local: true })], {
  error: 'must be an ISO date (2026-03-31) or date-time (2026-03-31T18:00, optionally with Z or ±HH:MM)',
});

export const MAX_WINDOW_DAYS = 3660;

const customWindowSchema = z
  .object({ kind: z.literal('custom'), from: windowBoundSchema, to: windowBoundSchema })
  .superRefine((window, context) => {
    // Without a zone, only bounds of the same sort (both wall-clock, or both
    // with an offset) can be ordered; resolveWindow checks the rest in its zone.
    if (hasOffset(window.from) !== hasOffset(window.to)) return;
    const { start, end } = customBounds(window, 'UTC');
    if (start.isValid && end.isValid && end.toMillis() <= start.toMillis()) {
      context.addIssue({ code: 'custom', path: ['to'], message: emptyCustomWindowMessage(window) });
    }
  });

export const npsWindowSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('this_month') }),
  z.object({ kind: z.literal('last_month') }),
  z.object({ kind: z.literal('this_quarter') }),
  z.object({ kind: z.literal('last_quarter') }),
  z.object({ kind: z.literal('last_days'), days: z.number().int().positive().max(MAX_WINDOW_DAYS) }),
  z.object({ kind: z.literal('year_to_date') }),
  customWindowSchema,
]);
export type NpsWindow = z.infer<typeof npsWindowSchema>;
type CustomWindow = Extract<NpsWindow, { kind: 'custom' }>;

/** The windows an account snapshot keeps. */
export const STANDARD_WINDOWS = [
  { kind: 'this_month' },
  { kind: 'last_month' },
  { kind: 'this_quarter' },
  { kind: 'last_quarter' },
  { kind: 'last_days', days: 30 },
  { kind: 'last_days', days: 90 },
  { kind: 'year_to_date' },
] as const satisfies readonly NpsWindow[];

export interface WindowContext {
  now: Date;
  timeZone: string;
}

export interface ResolvedWindow {
  key: string;
  label: string;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export function resolveWindow(window: NpsWindow, { now, timeZone }: WindowContext): ResolvedWindow {
  const parsed = npsWindowSchema.safeParse(window);
  if (!parsed.success) {
    throw new RangeError(`invalid NPS window ${JSON.stringify(window)}: ${z.prettifyError(parsed.error)}`);
  }
  if (!IANAZone.isValidZone(timeZone)) throw new RangeError(`unknown IANA time zone "${timeZone}"`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now must be a valid Date');
  const { start, end } = boundsOf(parsed.data, DateTime.fromJSDate(now, { zone: timeZone }));
  return { key: windowKey(parsed.data), label: windowLabel(parsed.data), start: start.toJSDate(), end: end.toJSDate() };
}

/** A stable identifier: this_month, last_30_days, custom_2026-01-01_2026-03-31. parseWindowKey reads it back. */
export function windowKey(window: NpsWindow): string {
  switch (window.kind) {
    case 'last_days':
      return `last_${window.days}_days`;
    case 'custom':
      return `custom_${window.from}_${window.to}`;
    default:
      return window.kind;
  }
}

export function windowLabel(window: NpsWindow): string {
  switch (window.kind) {
    case 'this_month':
      return 'This month';
    case 'last_month':
      return 'Last month';
    case 'this_quarter':
      return 'This quarter';
    case 'last_quarter':
      return 'Last quarter';
    case 'last_days':
      return `Last ${window.days} ${window.days === 1 ? 'day' : 'days'}`;
    case 'year_to_date':
      return 'Year to date';
    case 'custom':
      return `${window.from} to ${window.to}`;
  }
}

const ACCEPTED_KEY_FORMS =
  'this_month, last_month, this_quarter, last_quarter, year_to_date (or ytd), ' +
  `last_<N>_days (N = 1..${MAX_WINDOW_DAYS}), custom:<from>..<to> (or custom_<from>_<to>) ` +
  'with ISO dates or date-times, e.g. custom:2026-01-01..2026-03-31';

const NAMED_WINDOWS: Readonly<Record<string, NpsWindow>> = {
  this_month: { kind: 'this_month' },
  last_month: { kind: 'last_month' },
  this_quarter: { kind: 'this_quarter' },
  last_quarter: { kind: 'last_quarter' },
  year_to_date: { kind: 'year_to_date' },
  ytd: { kind: 'year_to_date' },
};

/** Reads a window from a key as typed on a command line or in a URL, and from windowKey's output. */
export function parseWindowKey(key: string): NpsWindow {
  const candidate = windowCandidate(key);
  if (candidate === undefined) {
    throw new RangeError(`unknown NPS window key "${key}"; accepted forms: ${ACCEPTED_KEY_FORMS}`);
  }
  const parsed = npsWindowSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new RangeError(
      `invalid NPS window key "${key}": ${z.prettifyError(parsed.error)}; accepted forms: ${ACCEPTED_KEY_FORMS}`,
    );
  }
  return parsed.data;
}

function windowCandidate(key: string): unknown {
  if (Object.hasOwn(NAMED_WINDOWS, key)) return NAMED_WINDOWS[key];
  const lastDays = /^last_(0|[1-9]\d*)_days$/.exec(key);
  if (lastDays) return { kind: 'last_days', days: Number(lastDays[1]) };
  // ISO dates and date-times contain neither "_" nor "..", so both splits are unambiguous.
  const custom = /^custom:(.+?)\.\.(.+)$/.exec(key) ?? /^custom_([^_]+)_([^_]+)$/.exec(key);
  if (custom) return { kind: 'custom', from: custom[1], to: custom[2] };
  return undefined;
}

function boundsOf(window: NpsWindow, now: DateTime): { start: DateTime; end: DateTime } {
  switch (window.kind) {
    case 'this_month':
      return { start: now.startOf('month'), end: now };
    case 'last_month': {
      const thisMonth = now.startOf('month');
      return { start: thisMonth.minus({ months: 1 }).startOf('month'), end: thisMonth };
    }
    case 'this_quarter':
      return { start: now.startOf('quarter'), end: now };
    case 'last_quarter': {
      const thisQuarter = now.startOf('quarter');
      return { start: thisQuarter.minus({ months: 3 }).startOf('quarter'), end: thisQuarter };
    }
    case 'last_days':
      return { start: now.minus({ days: window.days }), end: now };
    case 'year_to_date':
      return { start: now.startOf('year'), end: now };
    case 'custom': {
      const bounds = customBounds(window, now.zone);
      if (bounds.end.toMillis() <= bounds.start.toMillis()) {
        throw new RangeError(`${emptyCustomWindowMessage(window)} (in time zone ${now.zoneName})`);
      }
      return bounds;
    }
  }
}

function customBounds(window: CustomWindow, zone: DateTime['zone'] | string): { start: DateTime; end: DateTime } {
  const start = isPlainDate(window.from)
    ? DateTime.fromISO(window.from, { zone }).startOf('day')
    : DateTime.fromISO(window.from, { zone });
  const end = isPlainDate(window.to)
    ? DateTime.fromISO(window.to, { zone }).plus({ days: 1 }).startOf('day')
    : DateTime.fromISO(window.to, { zone });
  return { start, end };
}

function emptyCustomWindowMessage(window: CustomWindow): string {
  return (
    `custom window ${window.from}..${window.to} is empty: "to" must be after "from" ` +
    '(a plain-date "to" includes that whole day, so from = to is one day)'
  );
}

function isPlainDate(bound: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(bound);
}

function hasOffset(bound: string): boolean {
  return /(?:Z|[+-]\d{2}:\d{2})$/.test(bound);
}
