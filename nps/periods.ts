import { DateTime } from 'luxon';
import { z } from 'zod';

/*
 * Reporting periods: calendar weeks (ISO, starting on Monday), months, quarters and years in the
 * configured IANA time zone, so their edges fall where that zone puts them across daylight-saving
 * changes. A period is the half-open interval [start, end). PostgreSQL's
 * date_trunc(unit, instant, zone) starts the same periods, which is how a report groups responses.
 */

export const PERIOD_UNITS = ['week', 'month', 'quarter', 'year'] as const;
export const periodUnitSchema = z.enum(PERIOD_UNITS);
export type PeriodUnit = z.infer<typeof periodUnitSchema>;

export interface Period {
  /** 2026-W53, 2026-11, 2026-Q4, 2026. */
  key: string;
  /** Week of 28 Dec 2026, Nov 2026, Q4 2026, 2026. */
  label: string;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

/** More periods than this in one report is a mistake (ten years of weeks is 522). */
export const MAX_PERIODS = 600;

export function periodContaining(instant: Date, unit: PeriodUnit, timeZone: string): Period {
  return periodStartingAt(DateTime.fromJSDate(instant, { zone: timeZone }).startOf(unit), unit);
}

/** The period just before this one. */
export function previousPeriod(period: Period, unit: PeriodUnit, timeZone: string): Period {
  return periodContaining(new Date(period.start.getTime() - 1), unit, timeZone);
}

/**
 * The same period a year before: the same month, quarter or year, or for a week the week of the
 * same ISO number in the previous week-year (none when that year has no week 53).
 */
export function periodAYearBefore(period: Period, unit: PeriodUnit, timeZone: string): Period | null {
  const start = DateTime.fromJSDate(period.start, { zone: timeZone });
  if (unit !== 'week') return periodStartingAt(start.minus({ years: 1 }).startOf(unit), unit);
  const sameWeek = DateTime.fromObject({ weekYear: start.weekYear - 1, weekNumber: start.weekNumber, weekday: 1 }, { zone: timeZone });
  return sameWeek.isValid && sameWeek.weekNumber === start.weekNumber ? periodStartingAt(sameWeek.startOf('day'), unit) : null;
}

/** Every period from the one holding `from` to the one holding the instant before `to`, in order. */
export function periodsBetween(from: Date, to: Date, unit: PeriodUnit, timeZone: string): Period[] {
  if (to.getTime() <= from.getTime()) throw new RangeError(`the range ends (${to.toISOString()}) before it starts (${from.toISOString()})`);
  const periods: Period[] = [];
  let period = periodContaining(from, unit, timeZone);
  while (period.start.getTime() < to.getTime()) {
    if (periods.length === MAX_PERIODS) {
      throw new RangeError(`the range holds more than ${MAX_PERIODS} ${unit}s; ask for a shorter range or a longer period`);
    }
    periods.push(period);
    period = periodContaining(period.end, unit, timeZone);
  }
  return periods;
}

const ONE = { week: { weeks: 1 }, month: { months: 1 }, quarter: { quarters: 1 }, year: { years: 1 } } as const;

function periodStartingAt(start: DateTime, unit: PeriodUnit): Period {
  const end = start.plus(ONE[unit]).startOf(unit);
  return { key: keyOf(start, unit), label: labelOf(start, unit), start: start.toJSDate(), end: end.toJSDate() };
}

function keyOf(start: DateTime, unit: PeriodUnit): string {
  switch (unit) {
    case 'week':
      return `${start.weekYear}-W${String(start.weekNumber).padStart(2, '0')}`;
    case 'month':
      return start.toFormat('yyyy-MM');
    case 'quarter':
      return `${start.year}-Q${start.quarter}`;
    case 'year':
      return String(start.year);
  }
}

function labelOf(start: DateTime, unit: PeriodUnit): string {
  switch (unit) {
    case 'week':
      return `Week of ${start.setLocale('en-GB').toFormat('d LLL yyyy')}`;
    case 'month':
      return start.setLocale('en-GB').toFormat('LLL yyyy');
    case 'quarter':
      return `Q${start.quarter} ${start.year}`;
    case 'year':
      return String(start.year);
  }
}
