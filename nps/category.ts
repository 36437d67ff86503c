export const NPS_CATEGORIES = ['promoter', 'passive', 'detractor'] as const;
export type NpsCategory = (typeof NPS_CATEGORIES)[number];

/** True for an integer 0..10, the only scores an NPS question can produce. */
export function isNpsScore(score: unknown): score is number {
  return typeof score === 'number' && Number.isInteger(score) && score >= 0 && score <= 10;
}

/** 0–6 detractor, 7–8 passive (some tools say "neutral"), 9–10 promoter. */
export function categoryOf(score: number): NpsCategory {
  if (!isNpsScore(score)) throw new RangeError(`NPS score must be an integer 0..10, got ${score}`);
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}
