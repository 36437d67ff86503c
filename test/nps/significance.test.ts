import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NpsCounts } from '../../nps/counts.ts';
import { compareNps, twoSidedPValue } from '../../nps/significance.ts';

/** p promoters and d detractors as shares of n. */
const mix = (n: number, p: number, d: number): NpsCounts => {
  const promoters = Math.round(n * p);
  const detractors = Math.round(n * d);
  return { promoters, passives: n - promoters - detractors, detractors };
};

describe('compareNps', () => {
  it('30 -> 20 is noise with 100 responses per period (nps-maths.md)', () => {
    const result = compareNps(mix(100, 0.45, 0.25), mix(100, 0.5, 0.2))!;
    expect(result.difference).toBeCloseTo(-10, 12);
    // se = √((0.66 + 0.61) / 100)
    expect(result.z).toBeCloseTo(-0.1 / Math.sqrt(1.27 / 100), 10);
    expect(Math.abs(result.z)).toBeCloseTo(0.89, 2);
    expect(result.pValue).toBeCloseTo(0.37, 2);
    expect(result.significant).toBe(false);
  });

  it('the same drop is real with 1,000 responses per period', () => {
    const result = compareNps(mix(1000, 0.45, 0.25), mix(1000, 0.5, 0.2))!;
    expect(result.difference).toBeCloseTo(-10, 12);
    expect(result.z).toBeCloseTo(-0.1 / Math.sqrt(1.27 / 1000), 10);
    expect(Math.abs(result.z)).toBeCloseTo(2.81, 2);
    expect(result.pValue).toBeCloseTo(0.005, 3);
    expect(result.significant).toBe(true);
  });

  it('reports a rise as a positive difference and z', () => {
    const result = compareNps(mix(1000, 0.5, 0.2), mix(1000, 0.45, 0.25))!;
    expect(result.difference).toBeCloseTo(10, 12);
    expect(result.z).toBeCloseTo(2.81, 2);
  });

  it('uses each period its own n', () => {
    const current = mix(200, 0.5, 0.2);
    const previous = mix(40, 0.45, 0.25);
    const result = compareNps(current, previous)!;
    expect(result.z).toBeCloseTo(0.1 / Math.sqrt(0.61 / 200 + 0.66 / 40), 10);
  });

  it('is null when either period has no responses', () => {
    const empty = { promoters: 0, passives: 0, detractors: 0 };
    expect(compareNps(empty, mix(100, 0.5, 0.2))).toBeNull();
    expect(compareNps(mix(100, 0.5, 0.2), empty)).toBeNull();
    expect(compareNps(empty, empty)).toBeNull();
  });

  it('gives z = 0 when both periods are unanimous and equal', () => {
    const allPromoters = { promoters: 10, passives: 0, detractors: 0 };
    expect(compareNps(allPromoters, { promoters: 3, passives: 0, detractors: 0 })).toEqual({
      difference: 0,
      z: 0,
      pValue: 1,
      significant: false,
    });
  });

  it('gives an infinite z when both periods are unanimous but differ', () => {
    const allPromoters = { promoters: 10, passives: 0, detractors: 0 };
    const allDetractors = { promoters: 0, passives: 0, detractors: 10 };
    expect(compareNps(allPromoters, allDetractors)).toEqual({ difference: 200, z: Infinity, pValue: 0, significant: true });
    expect(compareNps(allDetractors, allPromoters)).toEqual({ difference: -200, z: -Infinity, pValue: 0, significant: true });
  });

  it('is antisymmetric and significant exactly when |z| > 1.96', () => {
    const counts = fc
      .record({ promoters: fc.nat(500), passives: fc.nat(500), detractors: fc.nat(500) })
      .filter((c) => c.promoters + c.passives + c.detractors > 0);
    fc.assert(
      fc.property(counts, counts, (a, b) => {
        const forward = compareNps(a, b)!;
        const backward = compareNps(b, a)!;
        expect(forward.difference).toBeCloseTo(-backward.difference, 9);
        if (Number.isFinite(forward.z)) expect(forward.z).toBeCloseTo(-backward.z, 9);
        else expect(forward.z).toBe(-backward.z);
        expect(forward.significant).toBe(Math.abs(forward.z) > 1.96);
        expect(forward.pValue).toBeCloseTo(backward.pValue, 9);
        // 1.96 is the two-sided 5% point: p < 0.05 and "significant" agree.
        if (Math.abs(Math.abs(forward.z) - 1.96) > 1e-3) expect(forward.pValue < 0.05).toBe(forward.significant);
      }),
    );
  });
});

describe('twoSidedPValue', () => {
  it('matches the normal table', () => {
    expect(twoSidedPValue(0)).toBeCloseTo(1, 9);
    expect(twoSidedPValue(1.96)).toBeCloseTo(0.05, 4);
    expect(twoSidedPValue(-2.576)).toBeCloseTo(0.01, 4);
    expect(twoSidedPValue(3.291)).toBeCloseTo(0.001, 5);
  });
});
