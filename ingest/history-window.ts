import { DateTime } from 'luxon';

/** The start of the history an import takes: `months` calendar months before `now`, in the instance's zone. */
export function historyWindowStart(now: Date, timeZone: string, months: number): Date {
  return DateTime.fromJSDate(now, { zone: timeZone }).minus({ months }).toJSDate();
}
