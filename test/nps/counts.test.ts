import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countingModeSchema, tallyResponses, totalOf, type ScoredResponse } from '../../nps/counts.ts';

const at = (iso: string) => new Date(iso);

describe('totalOf', () => {
  it('adds the three categories', () => {
    expect(totalOf({ promoters: 5, passives: 3, detractors: 2 })).toBe(10);
    expect(totalOf({ promoters: 0, passives: 0, detractors: 0 })).toBe(0);
  });

  it.each([
    [{ promoters: -1, passives: 0, detractors: 0 }, 'promoters'],
    [{ promoters: 0, passives: 1.5, detractors: 0 }, 'passives'],
    [{ promoters: 0, passives: 0, detractors: Number.NaN }, 'detractors'],
  ])('rejects %j naming the bad count', (counts, name) => {
    expect(() => totalOf(counts)).toThrow(RangeError);
    expect(() => totalOf(counts)).toThrow(name);
  });
});

describe('countingModeSchema', () => {
  it('accepts the two modes and nothing else', () => {
    expect(countingModeSchema.parse('every_response')).toBe('every_response');
    expect(countingModeSchema.parse('latest_per_user')).toBe('latest_per_user');
    expect(countingModeSchema.safeParse('average').success).toBe(false);
  });
});

describe('tallyResponses, every_response', () => {
  it('counts each response by category', () => {
    const responses: ScoredResponse[] = [0, 6, 7, 8, 9, 10, 10].map((score, index) => ({
      userId: 'u1',
      score,
      respondedAt: at(`2026-01-0${index + 1}T00:00:00Z`),
    }));
    expect(tallyResponses(responses, 'every_response')).toEqual({ promoters: 3, passives: 2, detractors: 2 });
  });

  it('gives zero counts for no responses', () => {
    expect(tallyResponses([], 'every_response')).toEqual({ promoters: 0, passives: 0, detractors: 0 });
    expect(tallyResponses([], 'latest_per_user')).toEqual({ promoters: 0, passives: 0, detractors: 0 });
  });

  it('rejects a score outside 0..10', () => {
    expect(() => tallyResponses([{ userId: 1, score: 11, respondedAt: at('2026-01-01') }], 'every_response')).toThrow(
      RangeError,
    );
  });
});

describe('tallyResponses, latest_per_user', () => {
  it("keeps only each user's latest response, whatever the input order", () => {
    const responses: ScoredResponse[] = [
      { userId: 'ana', score: 10, respondedAt: at('2026-03-05T00:00:00Z') },
      { userId: 'ana', score: 2, respondedAt: at('2026-03-01T00:00:00Z') },
      { userId: 'bo', score: 3, respondedAt: at('2026-03-02T00:00:00Z') },
      { userId: 'bo', score: 8, respondedAt: at('2026-03-04T00:00:00Z') },
      { userId: 'cy', score: 0, respondedAt: at('2026-03-03T00:00:00Z') },
    ];
    expect(tallyResponses(responses, 'latest_per_user')).toEqual({ promoters: 1, passives: 1, detractors: 1 });
    expect(tallyResponses([...responses].reverse(), 'latest_per_user')).toEqual({
      promoters: 1,
      passives: 1,
      detractors: 1,
    });
    expect(tallyResponses(responses, 'every_response')).toEqual({ promoters: 1, passives: 1, detractors: 3 });
  });

  it('breaks a tie on respondedAt in favour of the later element', () => {
    const same = at('2026-03-01T12:00:00Z');
    const first: ScoredResponse = { userId: 7, score: 9, respondedAt: same };
    const second: ScoredResponse = { userId: 7, score: 4, respondedAt: new Date(same) };
    expect(tallyResponses([first, second], 'latest_per_user')).toEqual({ promoters: 0, passives: 0, detractors: 1 });
    expect(tallyResponses([second, first], 'latest_per_user')).toEqual({ promoters: 1, passives: 0, detractors: 0 });
  });

  it('treats numeric and string ids as different users', () => {
    const responses: ScoredResponse[] = [
      { userId: 1, score: 9, respondedAt: at('2026-03-01T00:00:00Z') },
      { userId: '1', score: 0, respondedAt: at('2026-03-02T00:00:00Z') },
    ];
    expect(tallyResponses(responses, 'latest_per_user')).toEqual({ promoters: 1, passives: 0, detractors: 1 });
  });
});

const responseArbitrary = fc.record({
  userId: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('a', 'b', 'c')),
  score: fc.integer({ min: 0, max: 10 }),
  respondedAt: fc.date({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z'), noInvalidDate: true }),
});

describe('tallyResponses properties', () => {
  it('every_response counts every response once', () => {
    fc.assert(
      fc.property(fc.array(responseArbitrary, { maxLength: 200 }), (responses) => {
        expect(totalOf(tallyResponses(responses, 'every_response'))).toBe(responses.length);
      }),
    );
  });

  it('latest_per_user counts each distinct user once', () => {
    fc.assert(
      fc.property(fc.array(responseArbitrary, { maxLength: 200 }), (responses) => {
        const users = new Set(responses.map((response) => response.userId));
        expect(totalOf(tallyResponses(responses, 'latest_per_user'))).toBe(users.size);
      }),
    );
  });
});
