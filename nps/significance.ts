import { errorFunction } from 'simple-statistics';
import { totalOf, type NpsCounts } from './counts.ts';
import { npsVariance, Z_95 } from './margin-of-error.ts';
import { npsScore } from './score.ts';

/** Change between two periods: difference in NPS points and whether it is real at 95%. */
export interface NpsComparison {
  difference: number;
  z: number;
  /** Two-sided: the chance of a difference at least this large if nothing had changed. */
  pValue: number;
  significant: boolean;
}

/**
 * Two-sample Wald z-test (as in Rocks' R package NPS; see shared/nps-maths.md):
 * se = √(v₁/n₁ + v₂/n₂), z = (NPS₁ − NPS₂) / (100 · se). Null when either
 * period has no responses. With se = 0 (both periods unanimous) there is no
 * sampling noise, so any difference is infinitely significant and none is z = 0.
 */
export function compareNps(current: NpsCounts, previous: NpsCounts): NpsComparison | null {
  const currentScore = npsScore(current);
  const previousScore = npsScore(previous);
  const currentVariance = npsVariance(current);
  const previousVariance = npsVariance(previous);
  if (currentScore === null || previousScore === null || currentVariance === null || previousVariance === null) {
    return null;
  }
  const difference = currentScore - previousScore;
  const standardError = Math.sqrt(currentVariance / totalOf(current) + previousVariance / totalOf(previous));
  const z = standardError === 0 ? (difference === 0 ? 0 : Math.sign(difference) * Infinity) : difference / (100 * standardError);
  return { difference, z, pValue: twoSidedPValue(z), significant: Math.abs(z) > Z_95 };
}

/** P(|Z| ≥ |z|) for a standard normal Z: 1 − erf(|z| / √2). */
export function twoSidedPValue(z: number): number {
  if (!Number.isFinite(z)) return 0;
  return Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
}
