import { Operator } from 'json-rules-engine';

const DAY_MS = 86_400_000;

/** A fact value as an instant: Date objects and ISO strings are dates; anything else is not. */
export function asInstant(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * npsloop's operators beyond json-rules-engine's built-ins. An unknown fact value (null or
 * undefined) never satisfies a comparison, as with the built-in numeric operators; only
 * `isUnknown` holds for it. `now` is read at each evaluation, so one engine serves over time
 * and a test can fix the clock.
 */
export function createCustomOperators(now: () => Date): Operator[] {
  return [
    new Operator<unknown, number>('inLastDays', (fact, days) => {
      const at = asInstant(fact);
      const end = now().getTime();
      return at !== null && at >= end - days * DAY_MS && at <= end;
    }),
    new Operator<unknown, number>('moreThanDaysAgo', (fact, days) => {
      const at = asInstant(fact);
      return at !== null && at < now().getTime() - days * DAY_MS;
    }),
    new Operator<unknown, string>('before', (fact, date) => {
      const at = asInstant(fact);
      return at !== null && at < Date.parse(date);
    }),
    new Operator<unknown, string>('after', (fact, date) => {
      const at = asInstant(fact);
      return at !== null && at > Date.parse(date);
    }),
    // Inclusive at both ends; numbers between numbers, dates between ISO dates.
    new Operator<unknown, [number, number] | [string, string]>('between', (fact, [low, high]) => {
      if (typeof low === 'number' && typeof high === 'number') {
        const value = asNumber(fact);
        return value !== null && value >= low && value <= high;
      }
      const at = asInstant(fact);
      return at !== null && at >= Date.parse(String(low)) && at <= Date.parse(String(high));
    }),
    new Operator('isKnown', (fact) => fact !== null && fact !== undefined),
    new Operator('isUnknown', (fact) => fact === null || fact === undefined),
  ];
}
