import { z } from 'zod';
import { categoryOf } from './category.ts';

/** How many responses of each category a window holds. */
export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

/** NPS as it is reported: the counts, the score and its adjusted-Wald 95% margin in points, both null without responses (NPS is undefined, not 0). */
export interface NpsFigure extends NpsCounts {
  nps: number | null;
  marginOfError: number | null;
}

/** What tallying needs from a response: who gave it, the score, and when it was given. */
export interface ScoredResponse {
  userId: string | number;
  score: number;
  respondedAt: Date;
}

export const COUNTING_MODES = ['every_response', 'latest_per_user'] as const;
export const countingModeSchema = z.enum(COUNTING_MODES);
/** every_response is the default; latest_per_user is how some platforms (Freshsuccess) count account NPS. */
export type CountingMode = z.infer<typeof countingModeSchema>;

/**
 * n, the number of responses counted. Throws on counts that are not
 * non-negative integers, so every formula built on it can trust its inputs.
 */
export function totalOf(counts: NpsCounts): number {
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`NPS count ${name} must be a non-negative integer, got ${value}`);
    }
  }
  return counts.promoters + counts.passives + counts.detractors;
}

/**
 * Counts responses by category. Expects responses already filtered to one
 * window: latest_per_user keeps each user's latest response in what it is
 * given. User ids are compared with ===, so 1 and '1' are different users.
 */
export function tallyResponses(responses: readonly ScoredResponse[], mode: CountingMode): NpsCounts {
  const counted = mode === 'latest_per_user' ? latestPerUser(responses) : responses;
  const counts: NpsCounts = { promoters: 0, passives: 0, detractors: 0 };
  for (const response of counted) {
    const category = categoryOf(response.score);
    if (category === 'promoter') counts.promoters += 1;
    else if (category === 'passive') counts.passives += 1;
    else counts.detractors += 1;
  }
  return counts;
}

/** On equal respondedAt the later element wins, so input order settles ties. */
function latestPerUser(responses: readonly ScoredResponse[]): ScoredResponse[] {
  const latest = new Map<string | number, ScoredResponse>();
  for (const response of responses) {
    const kept = latest.get(response.userId);
    if (kept === undefined || response.respondedAt.getTime() >= kept.respondedAt.getTime()) {
      latest.set(response.userId, response);
    }
  }
  return [...latest.values()];
}
