import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { npsScore, roundNps } from '../../nps/score.ts';

describe('npsScore', () => {
  it('is 100 when everyone is a promoter', () => {
    expect(npsScore({ promoters: 12, passives: 0, detractors: 0 })).toBe(100);
  });

  it('is -100 when everyone is a detractor', () => {
    expect(npsScore({ promoters: 0, passives: 0, detractors: 7 })).toBe(-100);
  });

  it('is null, not 0, with no responses', () => {
    expect(npsScore({ promoters: 0, passives: 0, detractors: 0 })).toBeNull();
  });

  it('is 0 when everyone is passive', () => {
    expect(npsScore({ promoters: 0, passives: 4, detractors: 0 })).toBe(0);
  });

  it('is %promoters - %detractors for a mix', () => {
    expect(npsScore({ promoters: 5, passives: 3, detractors: 2 })).toBe(30);
    expect(npsScore({ promoters: 45, passives: 30, detractors: 25 })).toBe(20);
    expect(npsScore({ promoters: 1, passives: 1, detractors: 3 })).toBe(-40);
  });

  it('does not round', () => {
    expect(npsScore({ promoters: 1, passives: 2, detractors: 0 })).toBeCloseTo(100 / 3, 12);
    expect(npsScore({ promoters: 2, passives: 0, detractors: 1 })).toBeCloseTo(100 / 3, 12);
  });

  it('rejects invalid counts', () => {
    expect(() => npsScore({ promoters: -1, passives: 0, detractors: 0 })).toThrow(RangeError);
  });

  it('always lies in -100..100', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(10_000), (promoters, passives, detractors) => {
        const score = npsScore({ promoters, passives, detractors });
        if (promoters + passives + detractors === 0) expect(score).toBeNull();
        else {
          expect(score).toBeGreaterThanOrEqual(-100);
          expect(score).toBeLessThanOrEqual(100);
        }
      }),
    );
  });
});

describe('roundNps', () => {
  it.each([
    [100 / 3, 33.3],
    [200 / 3, 66.7],
    [-100 / 3, -33.3],
    [6.25, 6.3],
    [-6.25, -6.3],
    [30, 30],
    [-100, -100],
    [0.04, 0],
    [-0.04, 0],
  ])('rounds %d to %d', (value, rounded) => {
    expect(roundNps(value)).toBe(rounded);
  });

  it('never returns -0', () => {
    expect(Object.is(roundNps(-0.01), 0)).toBe(true);
  });
});
