import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NpsCounts } from '../../nps/counts.ts';
import { npsMarginOfError, npsVariance } from '../../nps/margin-of-error.ts';

/** The adjusted-Wald formula of shared/nps-maths.md, written out step by step. */
function expectedMargin({ promoters, passives, detractors }: NpsCounts) {
  const n = promoters + passives + detractors;
  const nAdjusted = n + 3;
  const p = (promoters + 0.75) / nAdjusted;
  const d = (detractors + 0.75) / nAdjusted;
  const v = p + d - (p - d) ** 2;
  const margin = 100 * 1.96 * Math.sqrt(v / nAdjusted);
  const center = 100 * (p - d);
  return { margin, center, low: Math.max(-100, center - margin), high: Math.min(100, center + margin) };
}

function expectClose(actual: ReturnType<typeof npsMarginOfError>, expected: ReturnType<typeof expectedMargin>) {
  expect(actual).not.toBeNull();
  expect(actual!.margin).toBeCloseTo(expected.margin, 10);
  expect(actual!.center).toBeCloseTo(expected.center, 10);
  expect(actual!.low).toBeCloseTo(expected.low, 10);
  expect(actual!.high).toBeCloseTo(expected.high, 10);
}

/** Half promoters, a fifth detractors: v ≈ 0.61, the example in nps-maths.md. */
const halfAndFifth = (n: number): NpsCounts => ({ promoters: n / 2, passives: n - n / 2 - n / 5, detractors: n / 5 });

describe('npsVariance', () => {
  it('is p + d - (p - d)^2', () => {
    expect(npsVariance({ promoters: 50, passives: 30, detractors: 20 })).toBeCloseTo(0.61, 12);
    expect(npsVariance({ promoters: 45, passives: 30, detractors: 25 })).toBeCloseTo(0.66, 12);
  });

  it('is 0 when everyone answers alike', () => {
    expect(npsVariance({ promoters: 9, passives: 0, detractors: 0 })).toBe(0);
    expect(npsVariance({ promoters: 0, passives: 9, detractors: 0 })).toBe(0);
    expect(npsVariance({ promoters: 0, passives: 0, detractors: 9 })).toBe(0);
  });

  it('is 1 at its maximum, half promoters and half detractors', () => {
    expect(npsVariance({ promoters: 5, passives: 0, detractors: 5 })).toBe(1);
  });

  it('is null with no responses', () => {
    expect(npsVariance({ promoters: 0, passives: 0, detractors: 0 })).toBeNull();
  });

  it('is never negative', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.nat(100_000), (promoters, passives, detractors) => {
        const v = npsVariance({ promoters, passives, detractors });
        if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('npsMarginOfError', () => {
  it.each([
    [30, 27],
    [100, 15],
    [1000, 5],
  ])('at n = %i with v ≈ 0.61 is about ±%i points (nps-maths.md)', (n, approximately) => {
    const counts = halfAndFifth(n);
    const result = npsMarginOfError(counts);
    expectClose(result, expectedMargin(counts));
    expect(Math.round(result!.margin)).toBe(approximately);
  });

  it('matches hand-computed values at n = 100', () => {
    // n' = 103, p' = 50.75/103, d' = 20.75/103, v' = 0.6942 - 0.0848 ≈ 0.6094
    const result = npsMarginOfError(halfAndFifth(100))!;
    expect(result.center).toBeCloseTo((100 * 30) / 103, 10);
    expect(result.margin).toBeCloseTo(15.08, 2);
  });

  it('is null with no responses', () => {
    expect(npsMarginOfError({ promoters: 0, passives: 0, detractors: 0 })).toBeNull();
  });

  it('is wide, not zero, for a single promoter (NPS 100)', () => {
    const counts = { promoters: 1, passives: 0, detractors: 0 };
    const result = npsMarginOfError(counts)!;
    expectClose(result, expectedMargin(counts));
    // n' = 4, p' = 1.75/4, d' = 0.75/4, v' = 0.625 - 0.0625: centre 25, margin 196·√(0.5625/4) = 73.5
    expect(result.center).toBeCloseTo(25, 12);
    expect(result.margin).toBeCloseTo(73.5, 10);
    expect(result.low).toBeCloseTo(-48.5, 10);
    expect(result.high).toBeCloseTo(98.5, 10);
  });

  it('clamps a small unanimous interval at -100 or 100', () => {
    const detractors = { promoters: 0, passives: 0, detractors: 10 };
    const low = npsMarginOfError(detractors)!;
    expectClose(low, expectedMargin(detractors));
    expect(low.center - low.margin).toBeLessThan(-100);
    expect(low.low).toBe(-100);
    expect(low.high).toBeLessThan(0);

    const promoters = { promoters: 10, passives: 0, detractors: 0 };
    const high = npsMarginOfError(promoters)!;
    expect(high.center + high.margin).toBeGreaterThan(100);
    expect(high.high).toBe(100);
    expect(high.low).toBeGreaterThan(0);
  });

  it('is wide for a dozen responses, as an account often has', () => {
    const result = npsMarginOfError({ promoters: 6, passives: 4, detractors: 2 })!;
    expect(result.margin).toBeGreaterThan(35);
  });

  it('narrows as n grows for the same mix', () => {
    const margins = [30, 100, 1000, 10_000].map((n) => npsMarginOfError(halfAndFifth(n))!.margin);
    for (let index = 1; index < margins.length; index += 1) expect(margins[index]).toBeLessThan(margins[index - 1]!);
  });

  it('matches the formula and its interval holds the centre, within -100..100', () => {
    fc.assert(
      fc.property(fc.nat(5_000), fc.nat(5_000), fc.nat(5_000), (promoters, passives, detractors) => {
        const counts = { promoters, passives, detractors };
        const result = npsMarginOfError(counts);
        if (promoters + passives + detractors === 0) {
          expect(result).toBeNull();
          return;
        }
        expectClose(result, expectedMargin(counts));
        const { low, center, high, margin } = result!;
        expect(margin).toBeGreaterThan(0);
        expect(low).toBeLessThanOrEqual(center);
        expect(center).toBeLessThanOrEqual(high);
        expect(low).toBeGreaterThanOrEqual(-100);
        expect(high).toBeLessThanOrEqual(100);
      }),
    );
  });
});
