export { NPS_CATEGORIES, categoryOf, isNpsScore, type NpsCategory } from './category.ts';
export {
  COUNTING_MODES,
  countingModeSchema,
  tallyResponses,
  totalOf,
  type CountingMode,
  type NpsCounts,
  type ScoredResponse,
} from './counts.ts';
export { npsScore, roundNps } from './score.ts';
export { npsMarginOfError, npsVariance, Z_95, type NpsMarginOfError } from './margin-of-error.ts';
export { compareNps, type NpsComparison } from './significance.ts';
export {
  MAX_WINDOW_DAYS,
  STANDARD_WINDOWS,
  npsWindowSchema,
  parseWindowKey,
  resolveWindow,
  timeZoneSchema,
  windowKey,
  windowLabel,
  type NpsWindow,
  type ResolvedWindow,
  type WindowContext,
} from './windows.ts';
