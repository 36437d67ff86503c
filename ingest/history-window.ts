import { DateTime } from 'luxon';

/** The start of the history an import takes: `months` calendar months before `now`, in the instance's zone. */
export function historyWindowStart(now: Date, timeZone: string, months: number): Date {
  return DateTime.fromJSDate(now, { zone: timeZone }).minus({ months }).toJSDate();
}

/** An imported response this recent starts its workflow, as a webhook's would; an older one enrolls nobody. */
export const JOURNEY_WINDOW_DAYS = 7;

/** The earliest response an import starts journeys for: `JOURNEY_WINDOW_DAYS` days before `now`, in the instance's zone. */
export function journeyWindowStart(now: Date, timeZone: string): Date {
  return DateTime.fromJSDate(now, { zone: timeZone }).minus({ days: JOURNEY_WINDOW_DAYS }).toJSDate();
}
