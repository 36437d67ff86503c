import { DateTime } from 'luxon';

/** A time as its reader says it, in their zone: "Monday 7 December, 13:22 CET". */
export function timeInWords(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale('en-GB').toFormat('cccc d LLLL, HH:mm ZZZZ');
}

/** A span as people say it: "48 hours", "1 hour", "30 minutes", "4 seconds" (SLAs may be fractions of an hour). */
export function hoursInWords(hours: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (hours >= 1) return plural(Math.round(hours * 10) / 10, 'hour');
  const minutes = hours * 60;
  if (minutes >= 1) return plural(Math.round(minutes), 'minute');
  return plural(Math.max(1, Math.round(minutes * 60)), 'second');
}
