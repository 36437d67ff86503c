import { roundNps } from './nps-format.ts';

// How margins and times read on every page (NPS itself: nps-format.ts): due times in words relative to now.

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export function categoryOfScore(score: number): NpsCategory {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** The margin of error rounded as NPS is (nps-format.ts), as "± 12.5". */
export function formatMargin(margin: number | null): string {
  return margin === null ? '' : `± ${roundNps(margin)}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const monthOnly = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });

export function formatDateTime(iso: string | null): string {
  return iso === null ? '—' : dateTime.format(new Date(iso));
}

export function formatDate(iso: string | null): string {
  return iso === null ? '—' : dateOnly.format(new Date(iso));
}

export function formatMonth(iso: string): string {
  return monthOnly.format(new Date(iso));
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "in 2 days", "3 hours ago": the largest unit that makes a whole number, minutes at least. */
export function timeInWords(iso: string, now = Date.now()): string {
  const difference = new Date(iso).getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(difference) >= ms || unit === 'minute') return relative.format(Math.round(difference / ms), unit);
  }
  return relative.format(0, 'minute');
}

/** When an open task is due, in words: "due in 5 hours", "overdue by 2 days". */
export function dueInWords(dueAt: string, now = Date.now()): string {
  const words = timeInWords(dueAt, now);
  return new Date(dueAt).getTime() < now ? `overdue, was due ${words}` : `due ${words}`;
}

export function escalationInWords(level: number): string {
  if (level === 0) return 'with the account’s CSM';
  if (level === 1) return 'escalated to the CSM’s manager';
  return `escalated ${level} levels up the chain`;
}
