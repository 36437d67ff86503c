import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_WINDOW_DAYS,
  STANDARD_WINDOWS,
  npsWindowSchema,
  parseWindowKey,
  resolveWindow,
  timeZoneSchema,
  windowKey,
  type NpsWindow,
} from '../../nps/windows.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (iso: string) => new Date(iso);

/** [start, end) of a window as ISO strings in UTC, for readable expectations. */
function interval(window: NpsWindow, now: string, timeZone: string): [string, string] {
  const { start, end } = resolveWindow(window, { now: utc(now), timeZone });
  return [start.toISOString(), end.toISOString()];
}

const thisMonth: NpsWindow = { kind: 'this_month' };
const lastMonth: NpsWindow = { kind: 'last_month' };
const thisQuarter: NpsWindow = { kind: 'this_quarter' };
const lastQuarter: NpsWindow = { kind: 'last_quarter' };
const yearToDate: NpsWindow = { kind: 'year_to_date' };
const lastDays = (days: number): NpsWindow => ({ kind: 'last_days', days });
const custom = (from: string, to: string): NpsWindow => ({ kind: 'custom', from, to });

describe('resolveWindow in UTC', () => {
  const now = '2026-05-15T12:00:00.000Z';

  it('resolves every standard window', () => {
    expect(interval(thisMonth, now, 'UTC')).toEqual(['2026-05-01T00:00:00.000Z', now]);
    expect(interval(lastMonth, now, 'UTC')).toEqual(['2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z']);
    expect(interval(thisQuarter, now, 'UTC')).toEqual(['2026-04-01T00:00:00.000Z', now]);
    expect(interval(lastQuarter, now, 'UTC')).toEqual(['2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
    expect(interval(lastDays(30), now, 'UTC')).toEqual(['2026-04-15T12:00:00.000Z', now]);
    expect(interval(lastDays(90), now, 'UTC')).toEqual(['2026-02-14T12:00:00.000Z', now]);
    expect(interval(yearToDate, now, 'UTC')).toEqual(['2026-01-01T00:00:00.000Z', now]);
  });

  it('gives keys and labels', () => {
    const resolved = STANDARD_WINDOWS.map((window) => resolveWindow(window, { now: utc(now), timeZone: 'UTC' }));
    expect(resolved.map(({ key, label }) => [key, label])).toEqual([
      ['this_month', 'This month'],
      ['last_month', 'Last month'],
      ['this_quarter', 'This quarter'],
      ['last_quarter', 'Last quarter'],
      ['last_30_days', 'Last 30 days'],
      ['last_90_days', 'Last 90 days'],
      ['year_to_date', 'Year to date'],
    ]);
    expect(resolveWindow(lastDays(1), { now: utc(now), timeZone: 'UTC' }).label).toBe('Last 1 day');
    expect(resolveWindow(custom('2026-01-01', '2026-03-31'), { now: utc(now), timeZone: 'UTC' })).toMatchObject({
      key: 'custom_2026-01-01_2026-03-31',
      label: '2026-01-01 to 2026-03-31',
    });
  });

  it.each([
    ['2026-01-15', '2026-01-01', '2025-10-01'],
    ['2026-02-15', '2026-01-01', '2025-10-01'],
    ['2026-03-15', '2026-01-01', '2025-10-01'],
    ['2026-04-15', '2026-04-01', '2026-01-01'],
    ['2026-05-15', '2026-04-01', '2026-01-01'],
    ['2026-06-15', '2026-04-01', '2026-01-01'],
    ['2026-07-15', '2026-07-01', '2026-04-01'],
    ['2026-08-15', '2026-07-01', '2026-04-01'],
    ['2026-09-15', '2026-07-01', '2026-04-01'],
    ['2026-10-15', '2026-10-01', '2026-07-01'],
    ['2026-11-15', '2026-10-01', '2026-07-01'],
    ['2026-12-15', '2026-10-01', '2026-07-01'],
  ])('on %s this quarter starts %s and last quarter starts %s', (day, quarterStart, previousStart) => {
    const now = `${day}T08:00:00.000Z`;
    expect(interval(thisQuarter, now, 'UTC')).toEqual([`${quarterStart}T00:00:00.000Z`, now]);
    expect(interval(lastQuarter, now, 'UTC')).toEqual([
      `${previousStart}T00:00:00.000Z`,
      `${quarterStart}T00:00:00.000Z`,
    ]);
  });

  it.each(['2026-01-01', '2026-04-01', '2026-07-01', '2026-10-01'])('switches quarter exactly at %s 00:00', (day) => {
    const edge = utc(`${day}T00:00:00.000Z`);
    const justBefore = new Date(edge.getTime() - 1);
    const before = resolveWindow(thisQuarter, { now: justBefore, timeZone: 'UTC' });
    expect(before.end).toEqual(justBefore);
    expect(before.start.getTime()).toBeLessThan(edge.getTime());
    const at = resolveWindow(thisQuarter, { now: edge, timeZone: 'UTC' });
    expect(at.start).toEqual(edge);
    expect(at.end).toEqual(edge);
    expect(resolveWindow(lastQuarter, { now: edge, timeZone: 'UTC' }).end).toEqual(edge);
  });

  it('reaches back into the previous year in early January', () => {
    const now = '2026-01-03T09:00:00.000Z';
    expect(interval(lastMonth, now, 'UTC')).toEqual(['2025-12-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(interval(lastQuarter, now, 'UTC')).toEqual(['2025-10-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(interval(thisQuarter, now, 'UTC')).toEqual(['2026-01-01T00:00:00.000Z', now]);
    expect(interval(yearToDate, now, 'UTC')).toEqual(['2026-01-01T00:00:00.000Z', now]);
    expect(interval(lastDays(30), now, 'UTC')).toEqual(['2025-12-04T09:00:00.000Z', now]);
  });

  it('handles a leap-year February', () => {
    expect(interval(lastMonth, '2028-03-10T00:00:00.000Z', 'UTC')).toEqual([
      '2028-02-01T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ]);
  });
});

describe('resolveWindow in Europe/Paris across daylight-saving changes', () => {
  const zone = 'Europe/Paris';

  it('puts month and quarter edges at local midnight after the March change (CET -> CEST)', () => {
    const now = '2026-04-15T10:00:00.000Z';
    expect(interval(thisMonth, now, zone)).toEqual(['2026-03-31T22:00:00.000Z', now]);
    const [start, end] = interval(lastMonth, now, zone);
    expect([start, end]).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
    expect(utc(end).getTime() - utc(start).getTime()).toBe(31 * DAY - HOUR);
    expect(interval(thisQuarter, now, zone)).toEqual(['2026-03-31T22:00:00.000Z', now]);
    expect(interval(lastQuarter, now, zone)).toEqual(['2025-12-31T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
    expect(interval(yearToDate, now, zone)).toEqual(['2025-12-31T23:00:00.000Z', now]);
  });

  it('puts month and quarter edges at local midnight after the October change (CEST -> CET)', () => {
    const now = '2026-11-10T12:00:00.000Z';
    expect(interval(thisMonth, now, zone)).toEqual(['2026-10-31T23:00:00.000Z', now]);
    const [start, end] = interval(lastMonth, now, zone);
    expect([start, end]).toEqual(['2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z']);
    expect(utc(end).getTime() - utc(start).getTime()).toBe(31 * DAY + HOUR);
    expect(interval(thisQuarter, now, zone)).toEqual(['2026-09-30T22:00:00.000Z', now]);
    expect(interval(lastQuarter, now, zone)).toEqual(['2026-06-30T22:00:00.000Z', '2026-09-30T22:00:00.000Z']);
  });

  it('resolves on the day of the change itself', () => {
    // 03:30 CEST, half an hour after clocks went forward on 29 March.
    expect(interval(thisMonth, '2026-03-29T01:30:00.000Z', zone)).toEqual([
      '2026-02-28T23:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  it('keeps the local time of day for last N days across a change', () => {
    // 12:00 CEST back to 12:00 CET: one hour shorter than 30 × 24 h.
    expect(interval(lastDays(30), '2026-04-10T10:00:00.000Z', zone)).toEqual([
      '2026-03-11T11:00:00.000Z',
      '2026-04-10T10:00:00.000Z',
    ]);
    // 13:00 CET back to 13:00 CEST: one hour longer than 7 × 24 h.
    expect(interval(lastDays(7), '2026-10-28T12:00:00.000Z', zone)).toEqual([
      '2026-10-21T11:00:00.000Z',
      '2026-10-28T12:00:00.000Z',
    ]);
  });

  it('reads custom plain dates as whole local days', () => {
    expect(interval(custom('2026-03-01', '2026-03-31'), '2026-05-01T00:00:00Z', zone)).toEqual([
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
    ]);
  });

  it('reads custom date-times without an offset as local wall-clock time', () => {
    // 01:00 CET to 04:00 CEST on the night clocks go forward: two real hours.
    expect(interval(custom('2026-03-29T01:00', '2026-03-29T04:00'), '2026-05-01T00:00:00Z', zone)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('rejects a wall-clock custom range that is empty once the skipped hour is applied', () => {
    // 02:50 does not exist on 29 March and moves to 03:50, after 03:10.
    const window = custom('2026-03-29T02:50', '2026-03-29T03:10');
    expect(npsWindowSchema.safeParse(window).success).toBe(true);
    expect(() => resolveWindow(window, { now: utc('2026-05-01T00:00:00Z'), timeZone: zone })).toThrow(
      /custom window 2026-03-29T02:50\.\.2026-03-29T03:10 is empty.*Europe\/Paris/,
    );
  });
});

describe('resolveWindow in America/Los_Angeles', () => {
  const zone = 'America/Los_Angeles';

  it('is still in the old year locally when UTC has moved on', () => {
    const now = '2026-01-01T05:00:00.000Z'; // 31 Dec 2025, 21:00 PST
    expect(interval(thisMonth, now, zone)).toEqual(['2025-12-01T08:00:00.000Z', now]);
    expect(interval(lastMonth, now, zone)).toEqual(['2025-11-01T07:00:00.000Z', '2025-12-01T08:00:00.000Z']);
    expect(interval(thisQuarter, now, zone)).toEqual(['2025-10-01T07:00:00.000Z', now]);
    expect(interval(lastQuarter, now, zone)).toEqual(['2025-07-01T07:00:00.000Z', '2025-10-01T07:00:00.000Z']);
    expect(interval(yearToDate, now, zone)).toEqual(['2025-01-01T08:00:00.000Z', now]);
  });

  it('gives March, which holds the spring change, 31 days less an hour', () => {
    expect(interval(lastMonth, '2026-04-02T12:00:00.000Z', zone)).toEqual([
      '2026-03-01T08:00:00.000Z',
      '2026-04-01T07:00:00.000Z',
    ]);
  });
});

describe('resolveWindow in Asia/Kolkata (UTC+05:30)', () => {
  const zone = 'Asia/Kolkata';

  it('starts months and quarters at 18:30 UTC the day before', () => {
    const now = '2026-07-01T00:00:00.000Z'; // 05:30 on 1 July
    expect(interval(thisMonth, now, zone)).toEqual(['2026-06-30T18:30:00.000Z', now]);
    expect(interval(lastMonth, now, zone)).toEqual(['2026-05-31T18:30:00.000Z', '2026-06-30T18:30:00.000Z']);
    expect(interval(thisQuarter, now, zone)).toEqual(['2026-06-30T18:30:00.000Z', now]);
    expect(interval(lastQuarter, now, zone)).toEqual(['2026-03-31T18:30:00.000Z', '2026-06-30T18:30:00.000Z']);
    expect(interval(yearToDate, now, zone)).toEqual(['2025-12-31T18:30:00.000Z', now]);
  });

  it('is still June one millisecond before local midnight', () => {
    const now = '2026-06-30T18:29:59.999Z';
    expect(interval(thisMonth, now, zone)).toEqual(['2026-05-31T18:30:00.000Z', now]);
    expect(interval(thisQuarter, now, zone)).toEqual(['2026-03-31T18:30:00.000Z', now]);
  });
});

describe('resolveWindow in Pacific/Auckland', () => {
  const zone = 'Pacific/Auckland';

  it('starts the local month on the previous UTC day', () => {
    const now = '2026-01-31T12:00:00.000Z'; // 1 February, 01:00 NZDT
    expect(interval(thisMonth, now, zone)).toEqual(['2026-01-31T11:00:00.000Z', now]);
    expect(interval(lastMonth, now, zone)).toEqual(['2025-12-31T11:00:00.000Z', '2026-01-31T11:00:00.000Z']);
    expect(interval(thisQuarter, now, zone)).toEqual(['2025-12-31T11:00:00.000Z', now]);
    expect(interval(lastQuarter, now, zone)).toEqual(['2025-09-30T11:00:00.000Z', '2025-12-31T11:00:00.000Z']);
    expect(interval(yearToDate, now, zone)).toEqual(['2025-12-31T11:00:00.000Z', now]);
  });

  it('is still January one second before local midnight', () => {
    const now = '2026-01-31T10:59:59.000Z';
    expect(interval(thisMonth, now, zone)).toEqual(['2025-12-31T11:00:00.000Z', now]);
  });

  it('spans the April change from NZDT (+13) to NZST (+12)', () => {
    const now = '2026-05-10T00:00:00.000Z';
    expect(interval(thisQuarter, now, zone)).toEqual(['2026-03-31T11:00:00.000Z', now]);
    expect(interval(lastMonth, now, zone)).toEqual(['2026-03-31T11:00:00.000Z', '2026-04-30T12:00:00.000Z']);
  });
});

describe('custom windows', () => {
  const now = utc('2026-06-01T00:00:00Z');

  it('makes a plain-date to include that whole day, so from = to is one day', () => {
    const { start, end } = resolveWindow(custom('2026-02-10', '2026-02-10'), { now, timeZone: 'UTC' });
    expect(start).toEqual(utc('2026-02-10T00:00:00Z'));
    expect(end).toEqual(utc('2026-02-11T00:00:00Z'));
  });

  it('treats a date-time to as an exclusive end instant', () => {
    const { end } = resolveWindow(custom('2026-02-10', '2026-02-10T12:00'), { now, timeZone: 'UTC' });
    expect(end).toEqual(utc('2026-02-10T12:00:00Z'));
  });

  it('honours an explicit offset whatever the zone', () => {
    const window = custom('2026-01-01T00:00:00+05:30', '2026-01-02T00:00:00Z');
    for (const timeZone of ['UTC', 'America/Los_Angeles', 'Pacific/Auckland']) {
      const { start, end } = resolveWindow(window, { now, timeZone });
      expect(start).toEqual(utc('2025-12-31T18:30:00Z'));
      expect(end).toEqual(utc('2026-01-02T00:00:00Z'));
    }
  });

  it('may end in the future: custom ranges are taken as given', () => {
    expect(resolveWindow(custom('2026-01-01', '2026-12-31'), { now, timeZone: 'UTC' }).end).toEqual(
      utc('2027-01-01T00:00:00Z'),
    );
  });

  it.each([
    ['2026-03-31', '2026-01-01'],
    ['2026-01-01T10:00', '2026-01-01T10:00'],
    ['2026-01-01T10:00', '2026-01-01T09:59:59'],
    ['2026-01-01T10:00:00Z', '2026-01-01T11:00:00+02:00'],
    ['2026-01-02', '2026-01-01T23:00'],
  ])('rejects %s..%s as empty, on the to field', (from, to) => {
    const result = npsWindowSchema.safeParse(custom(from, to));
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([
      expect.objectContaining({ path: ['to'], message: expect.stringContaining(`custom window ${from}..${to} is empty`) }),
    ]);
    expect(() => resolveWindow(custom(from, to), { now, timeZone: 'UTC' })).toThrow(/is empty/);
  });

  it('checks mixed wall-clock and offset bounds in the zone, where the order is known', () => {
    const window = custom('2026-01-01T10:00', '2026-01-01T09:00:00Z');
    expect(npsWindowSchema.safeParse(window).success).toBe(true);
    expect(() => resolveWindow(window, { now, timeZone: 'UTC' })).toThrow(/is empty.*UTC/);
    // 10:00 in Kolkata is 04:30 UTC, before 09:00 UTC.
    expect(resolveWindow(window, { now, timeZone: 'Asia/Kolkata' }).start).toEqual(utc('2026-01-01T04:30:00Z'));
  });

  const badBounds = ['2026-02-30', '2026-13-01', '2026/01/01', '01/02/2026', '2026-01-01T10:00+0200', '2026-W01', 'yesterday', ''];
  it.each(badBounds)('rejects the bound %j with the accepted formats in the message', (bound) => {
    const result = npsWindowSchema.safeParse(custom(bound, '2026-12-31'));
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ['from'] });
    expect(result.error!.issues[0]!.message).toContain('must be an ISO date (2026-03-31) or date-time');
  });
});

describe('npsWindowSchema', () => {
  it('accepts every standard window', () => {
    for (const window of STANDARD_WINDOWS) expect(npsWindowSchema.parse(window)).toEqual(window);
  });

  it.each([1, 30, MAX_WINDOW_DAYS])('accepts last %i days', (days) => {
    expect(npsWindowSchema.safeParse(lastDays(days)).success).toBe(true);
  });

  it.each([0, -1, 1.5, MAX_WINDOW_DAYS + 1, Number.NaN])('rejects last %d days', (days) => {
    expect(npsWindowSchema.safeParse(lastDays(days)).success).toBe(false);
  });

  it('rejects unknown kinds and missing fields', () => {
    expect(npsWindowSchema.safeParse({ kind: 'this_week' }).success).toBe(false);
    expect(npsWindowSchema.safeParse({ kind: 'last_days' }).success).toBe(false);
    expect(npsWindowSchema.safeParse({ kind: 'custom', from: '2026-01-01' }).success).toBe(false);
    expect(npsWindowSchema.safeParse({}).success).toBe(false);
  });
});

describe('resolveWindow input checks', () => {
  const now = utc('2026-06-01T00:00:00Z');

  it('rejects an unknown time zone', () => {
    expect(() => resolveWindow(thisMonth, { now, timeZone: 'Mars/Olympus_Mons' })).toThrow(
      'unknown IANA time zone "Mars/Olympus_Mons"',
    );
  });

  it('rejects an invalid now', () => {
    expect(() => resolveWindow(thisMonth, { now: new Date(Number.NaN), timeZone: 'UTC' })).toThrow('valid Date');
  });

  it('rejects a window the schema rejects', () => {
    expect(() => resolveWindow(lastDays(0), { now, timeZone: 'UTC' })).toThrow(/invalid NPS window .*last_days/);
  });
});

describe('timeZoneSchema', () => {
  it.each(['UTC', 'Europe/Paris', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Auckland'])('accepts %s', (zone) => {
    expect(timeZoneSchema.parse(zone)).toBe(zone);
  });

  it.each(['Mars/Olympus_Mons', 'Europe/Pariss', '', 'not a zone'])('rejects %j', (zone) => {
    const result = timeZoneSchema.safeParse(zone);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toContain('IANA time zone');
  });
});

describe('parseWindowKey', () => {
  it.each([
    ['this_month', thisMonth],
    ['last_month', lastMonth],
    ['this_quarter', thisQuarter],
    ['last_quarter', lastQuarter],
    ['year_to_date', yearToDate],
    ['ytd', yearToDate],
    ['last_90_days', lastDays(90)],
    ['last_1_days', lastDays(1)],
    ['custom:2026-01-01..2026-03-31', custom('2026-01-01', '2026-03-31')],
    ['custom_2026-01-01_2026-03-31', custom('2026-01-01', '2026-03-31')],
    ['custom:2026-01-01T00:00:00.5Z..2026-01-02T08:00', custom('2026-01-01T00:00:00.5Z', '2026-01-02T08:00')],
    ['custom_2026-01-01T00:00:00+05:30_2026-01-02', custom('2026-01-01T00:00:00+05:30', '2026-01-02')],
  ])('reads %s', (key, window) => {
    expect(parseWindowKey(key)).toEqual(window);
  });

  it('reads back the key of every standard window', () => {
    expect(STANDARD_WINDOWS.map(windowKey)).toEqual([
      'this_month',
      'last_month',
      'this_quarter',
      'last_quarter',
      'last_30_days',
      'last_90_days',
      'year_to_date',
    ]);
    for (const window of STANDARD_WINDOWS) expect(parseWindowKey(windowKey(window))).toEqual(window);
  });

  const unknownKeys = [
    '',
    'this_week',
    'THIS_MONTH',
    ' this_month',
    'last_030_days',
    'last_days',
    'last_-1_days',
    'custom:2026-01-01',
    'toString',
    '__proto__',
  ];
  it.each(unknownKeys)('rejects the unknown key %j, listing the accepted forms', (key) => {
    expect(() => parseWindowKey(key)).toThrow(`unknown NPS window key "${key}"; accepted forms: this_month`);
  });

  it.each([
    ['last_0_days', 'days'],
    [`last_${MAX_WINDOW_DAYS + 1}_days`, 'days'],
    ['custom:2026-03-31..2026-01-01', 'is empty'],
    ['custom:foo..bar', 'must be an ISO date'],
    ['custom_2026-02-30_2026-03-01', 'must be an ISO date'],
  ])('rejects the invalid key %s, saying why', (key, reason) => {
    expect(() => parseWindowKey(key)).toThrow(`invalid NPS window key "${key}"`);
    expect(() => parseWindowKey(key)).toThrow(reason);
    expect(() => parseWindowKey(key)).toThrow('accepted forms');
  });
});

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const dayArbitrary = fc.date({ min: utc('2000-01-01T00:00:00Z'), max: utc('2099-12-31T00:00:00Z'), noInvalidDate: true });
const windowArbitrary: fc.Arbitrary<NpsWindow> = fc.oneof(
  fc.constantFrom<NpsWindow>(thisMonth, lastMonth, thisQuarter, lastQuarter, yearToDate),
  fc.integer({ min: 1, max: MAX_WINDOW_DAYS }).map(lastDays),
  fc.tuple(dayArbitrary, dayArbitrary).map(([a, b]) => {
    const [from, to] = [isoDay(a), isoDay(b)].sort();
    return custom(from!, to!);
  }),
);
const zoneArbitrary = fc.constantFrom(
  'UTC',
  'Europe/Paris',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Pacific/Auckland',
  'Australia/Lord_Howe',
  'America/St_Johns',
);
const nowArbitrary = fc.date({ min: utc('2001-01-01T00:00:00Z'), max: utc('2099-01-01T00:00:00Z'), noInvalidDate: true });

describe('window properties', () => {
  it('parseWindowKey reads back windowKey', () => {
    fc.assert(
      fc.property(windowArbitrary, (window) => {
        expect(parseWindowKey(windowKey(window))).toEqual(window);
      }),
    );
  });

  it('every window is a well-formed interval, and only custom ones reach past now', () => {
    fc.assert(
      fc.property(windowArbitrary, nowArbitrary, zoneArbitrary, (window, now, timeZone) => {
        const { start, end } = resolveWindow(window, { now, timeZone });
        expect(start.getTime()).toBeLessThanOrEqual(end.getTime());
        if (window.kind === 'custom') expect(end.getTime()).toBeGreaterThan(start.getTime());
        else expect(end.getTime()).toBeLessThanOrEqual(now.getTime());
        if (['this_month', 'this_quarter', 'year_to_date', 'last_days'].includes(window.kind)) expect(end).toEqual(now);
      }),
    );
  });

  it('last month ends where this month starts, and likewise for quarters', () => {
    fc.assert(
      fc.property(nowArbitrary, zoneArbitrary, (now, timeZone) => {
        const context = { now, timeZone };
        expect(resolveWindow(lastMonth, context).end).toEqual(resolveWindow(thisMonth, context).start);
        expect(resolveWindow(lastQuarter, context).end).toEqual(resolveWindow(thisQuarter, context).start);
      }),
    );
  });
});
