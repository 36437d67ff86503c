import { z } from 'zod';
import type { NpsSettingsAt } from '../../nps/nps-settings.ts';
import { type NpsWindow, npsWindowSchema, parseWindowKey, type ResolvedWindow, resolveWindow } from '../../nps/windows.ts';
import { ApiError } from '../api-error.ts';

/*
 * NPS windows as a query string names them: `window` keys (repeated, or separated by commas),
 * and a custom range as `from` and `to`. Each mistake is reported at its parameter.
 */

export const MAX_WINDOWS_PER_REQUEST = 10;

export const windowQueryFields = {
  window: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(
      'this_month, last_month, this_quarter, last_quarter, last_<N>_days, year_to_date (or ytd), or custom:<from>..<to>; ' +
        'repeat it or separate keys with commas for several',
    ),
  from: z.string().optional().describe('a custom window from this ISO date (2026-01-01) or date-time, in the instance time zone unless it has an offset'),
  to: z.string().optional().describe('the custom window ends with this ISO date (included) or before this date-time'),
};

type WindowQuery = { window?: string | string[] | undefined; from?: string | undefined; to?: string | undefined };

/**
 * The windows the query names, in order, the `from`/`to` range last; `fallback` when it names
 * none. Mistakes become issues at `window`, `from` or `to`, and the result is then z.NEVER.
 */
export function windowsOfQuery(query: WindowQuery, context: z.RefinementCtx, fallback: readonly NpsWindow[]): NpsWindow[] {
  const windows: NpsWindow[] = [];
  let valid = true;
  const keys = [query.window ?? []].flat().flatMap((value) => value.split(',')).map((key) => key.trim());
  for (const key of keys) {
    try {
      windows.push(parseWindowKey(key));
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['window'], message: (error as Error).message });
      valid = false;
    }
  }
  if (query.from !== undefined || query.to !== undefined) {
    if (query.from === undefined) context.addIssue({ code: 'custom', path: ['from'], message: 'is required with to: a custom window needs both' });
    if (query.to === undefined) context.addIssue({ code: 'custom', path: ['to'], message: 'is required with from: a custom window needs both' });
    const custom = npsWindowSchema.safeParse({ kind: 'custom', from: query.from, to: query.to });
    if (custom.success) windows.push(custom.data);
    else {
      valid = false;
      if (query.from !== undefined && query.to !== undefined) {
        for (const issue of custom.error.issues) context.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
      }
    }
  }
  if (windows.length > MAX_WINDOWS_PER_REQUEST) {
    context.addIssue({ code: 'custom', path: ['window'], message: `names ${windows.length} windows; at most ${MAX_WINDOWS_PER_REQUEST} are allowed` });
    valid = false;
  }
  if (!valid) return z.NEVER;
  return windows.length > 0 ? windows : [...fallback];
}

/**
 * Resolves a window in the instance's zone. A custom range whose bounds mix a zone-less
 * date-time and one with an offset can only be found empty here: a 400 at `to`, like the others.
 */
export function resolveQueryWindow(window: NpsWindow, settings: NpsSettingsAt): ResolvedWindow {
  try {
    return resolveWindow(window, settings);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ApiError(400, 'invalid_request', 'the querystring does not match the schema', [{ path: 'querystring.to', message: error.message }]);
  }
}

export const resolvedWindowSchema = z
  .object({
    key: z.string().describe('send it back as `window` to ask for the same window'),
    label: z.string(),
    start: z.string().describe('inclusive'),
    end: z.string().describe('exclusive; for a window running to now, the time the figures are as of'),
  })
  .meta({ id: 'NpsWindow' });

export function resolvedWindowView({ key, label, start, end }: ResolvedWindow): z.infer<typeof resolvedWindowSchema> {
  return { key, label, start: start.toISOString(), end: end.toISOString() };
}
