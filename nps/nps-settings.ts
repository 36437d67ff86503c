import type { CountingMode } from './counts.ts';

/** How an instance computes NPS: the zone its months and quarters are in, and what it counts. */
export interface NpsSettings {
  timeZone: string;
  counting: CountingMode;
}

/** The settings at one moment: "this month" and "the last 30 days" are relative to `now`. */
export interface NpsSettingsAt extends NpsSettings {
  now: Date;
}
