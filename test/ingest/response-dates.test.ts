import { describe, expect, it } from 'vitest';
import { EARLIEST_RESPONSE_DATE, normalizeResponse } from '../../ingest/response-shape.ts';

const now = new Date('2026-11-24T12:00:00Z');
const FIVE_MINUTES = 5 * 60_000;

function respondedAt(value: unknown) {
  const result = normalizeResponse(
    { source: 'test', sourceResponseId: 'r1', email: 'ann@acme.example', score: 9, respondedAt: value },
    { respondedAt: 'responded_at' },
    { now, timeZone: 'UTC' },
  );
  return result.ok ? result.response.respondedAt.toISOString() : result.issues;
}

const refused = (message: string) => [{ path: 'responded_at', message }];

describe('the dates a response may carry', () => {
  it('starts on 2000-01-01, in every form a tool sends it', () => {
    expect(EARLIEST_RESPONSE_DATE.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    for (const value of ['2000-01-01T00:00:00Z', '2000-01-01', '1999-12-31T19:00:00-05:00', 946_684_800, '946684800', 946_684_800_000, '946684800000']) {
      expect(respondedAt(value), JSON.stringify(value)).toBe('2000-01-01T00:00:00.000Z');
    }
  });

  it('refuses anything earlier: a zero timestamp, a negative one, the year 0', () => {
    expect(respondedAt('1999-12-31T23:59:59.999Z')).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 1999-12-31T23:59:59.999Z'));
    expect(respondedAt(946_684_799)).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 1999-12-31T23:59:59.000Z'));
    expect(respondedAt(0)).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 1970-01-01T00:00:00.000Z'));
    expect(respondedAt(-1)).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 1969-12-31T23:59:59.000Z'));
    expect(respondedAt('0000-01-01T00:00:00Z')).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 0000-01-01T00:00:00.000Z'));
    expect(respondedAt('0000-01-01')).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 0000-01-01T00:00:00.000Z'));
  });

  it('ends at now, with five minutes of clock skew', () => {
    expect(respondedAt(new Date(now.getTime() + FIVE_MINUTES).toISOString())).toBe('2026-11-24T12:05:00.000Z');
    expect(respondedAt(new Date(now.getTime() + FIVE_MINUTES + 1).toISOString())).toEqual(refused('is in the future: 2026-11-24T12:05:00.001Z'));
    expect(respondedAt('9999-12-31T23:59:59Z')).toEqual(refused('is in the future: 9999-12-31T23:59:59.000Z'));
    expect(respondedAt('+010000-01-01T00:00:00Z')).toEqual(refused('is in the future: +010000-01-01T00:00:00.000Z'));
    expect(respondedAt('+010000-01-01')).toEqual(refused('is in the future: +010000-01-01T00:00:00.000Z'));
  });

  it('refuses numbers and texts no Date can hold, without throwing', () => {
    expect(respondedAt(1e16)).toEqual(refused('is not a unix time in seconds or milliseconds: 10000000000000000'));
    expect(respondedAt(1e20)).toEqual(refused('is not a unix time in seconds or milliseconds: 100000000000000000000'));
    expect(respondedAt(-1e16)).toEqual(refused('is not a unix time in seconds or milliseconds: -10000000000000000'));
    expect(respondedAt('10000000000000000')).toEqual(refused('is not a date: "10000000000000000"'));
    expect(respondedAt('10000-01-01T00:00:00Z')).toEqual(refused('is not a date: "10000-01-01T00:00:00Z"'));
    expect(respondedAt('+275761-01-01T00:00:00Z')).toEqual(refused('is not a date: "+275761-01-01T00:00:00Z"'));
  });

  it('reads a number below 1e11 as seconds and from it as milliseconds, which no accepted date can confuse', () => {
    const tenDaysAgo = now.getTime() - 10 * 86_400_000;
    expect(respondedAt(tenDaysAgo / 1000)).toBe(new Date(tenDaysAgo).toISOString());
    expect(respondedAt(tenDaysAgo)).toBe(new Date(tenDaysAgo).toISOString());
    // The largest number read as seconds is far in the future, the smallest read as milliseconds long before 2000.
    expect(respondedAt(1e11 - 1)).toEqual(refused('is in the future: 5138-11-16T09:46:39.000Z'));
    expect(respondedAt(1e11)).toEqual(refused('is before 2000-01-01, earlier than any NPS response: 1973-03-03T09:46:40.000Z'));
  });
});
