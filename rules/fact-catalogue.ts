import { z } from 'zod';
import { NPS_CATEGORIES } from '../nps/category.ts';
import { parseWindowKey } from '../nps/windows.ts';

/**
 * The facts a rule may use, per subject, with each fact's type and the parameters it takes.
 * Rules are checked against this catalogue when saved; the SQL compiler and the per-entity
 * fact loader implement every fact listed here, and nothing else.
 */
export type RuleSubject = 'user' | 'account' | 'response_event';

export type FactType = 'number' | 'date' | 'string' | 'enum' | 'boolean';

export const HEALTH_COLOURS = ['green', 'amber', 'red'] as const;
export type HealthColour = (typeof HEALTH_COLOURS)[number];
export const HEALTH_DIMENSIONS = ['relationship', 'service'] as const;
export type HealthDimension = (typeof HEALTH_DIMENSIONS)[number];

/** A window key such as `last_90_days` or `this_quarter`, checked by nps/windows. */
export const windowParamSchema = z.string().refine(
  (key) => {
    try {
      parseWindowKey(key);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a window key: this_month, last_month, this_quarter, last_quarter, year_to_date, last_<N>_days or custom:<from>..<to>' },
);

export interface FactDefinition {
  type: FactType;
  description: string;
  /** For enum facts. */
  values?: readonly string[];
  /** Inclusive bounds of a number fact; a rule value outside them can never match. */
  range?: { min: number; max: number };
  /** The fact's `params`, when it takes any. */
  params?: z.ZodType<Record<string, unknown>>;
  /** The fact is a JSON object read through the condition's `path` (custom attributes). */
  requiresPath?: boolean;
}

const windowParams = z.strictObject({ window: windowParamSchema });
const dimensionParams = z.strictObject({ dimension: z.enum(HEALTH_DIMENSIONS) });
const SCORE = { min: 0, max: 10 };
const NPS = { min: -100, max: 100 };
const COUNT = { min: 0, max: Number.MAX_SAFE_INTEGER };

export const FACT_CATALOGUE: Record<RuleSubject, Record<string, FactDefinition>> = {
  user: {
    latestScore: { type: 'number', range: SCORE, description: "the score of the user's latest response" },
    latestCategory: { type: 'enum', values: NPS_CATEGORIES, description: "the category of the user's latest response" },
    latestRespondedAt: { type: 'date', description: "when the user's latest response was given" },
    responseCount: { type: 'number', range: COUNT, params: windowParams, description: 'how many responses the user gave in the window' },
    email: { type: 'string', description: "the user's email, lower-cased" },
    role: { type: 'string', description: "the user's role, e.g. admin" },
    persona: { type: 'string', description: "the user's persona, e.g. champion" },
    accountSegment: { type: 'string', description: "the user's account's segment" },
    accountNps: { type: 'number', range: NPS, params: windowParams, description: "the user's account's NPS in the window (unknown without responses)" },
    accountHealth: { type: 'enum', values: HEALTH_COLOURS, params: dimensionParams, description: "the user's account's health colour in a dimension" },
    attributes: { type: 'string', requiresPath: true, description: "the user's custom attributes, read with `path`, e.g. $.plan" },
    accountAttributes: { type: 'string', requiresPath: true, description: "the user's account's custom attributes, read with `path`" },
  },
  account: {
    nps: { type: 'number', range: NPS, params: windowParams, description: "the account's NPS in the window (unknown without responses)" },
    responseCount: { type: 'number', range: COUNT, params: windowParams, description: 'how many responses the account had in the window' },
    promoterCount: { type: 'number', range: COUNT, params: windowParams, description: 'promoters in the window' },
    detractorCount: { type: 'number', range: COUNT, params: windowParams, description: 'detractors in the window' },
    lastRespondedAt: { type: 'date', description: "when the account's latest response was given" },
    segment: { type: 'string', description: "the account's segment" },
    openTicketCount: { type: 'number', range: COUNT, description: 'tickets open or pending' },
    openCriticalTicketCount: { type: 'number', range: COUNT, description: 'critical tickets open or pending' },
    oldestOpenTicketAgeDays: { type: 'number', range: COUNT, description: 'age in days of the oldest unresolved ticket (unknown when none)' },
    attributes: { type: 'string', requiresPath: true, description: "the account's custom attributes, read with `path`" },
  },
  response_event: {
    score: { type: 'number', range: SCORE, description: 'the score just given' },
    category: { type: 'enum', values: NPS_CATEGORIES, description: 'its category' },
    previousScore: { type: 'number', range: SCORE, description: "the user's previous score (unknown for a first response)" },
    previousCategory: { type: 'enum', values: NPS_CATEGORIES, description: "the user's previous category" },
    scoreChange: { type: 'number', range: { min: -10, max: 10 }, description: 'score minus previous score (unknown for a first response)' },
    hasComment: { type: 'boolean', description: 'whether the response carries a comment' },
    respondedAt: { type: 'date', description: 'when the response was given' },
    source: { type: 'string', description: 'the survey tool it came from' },
    role: { type: 'string', description: "the user's role" },
    persona: { type: 'string', description: "the user's persona" },
    accountSegment: { type: 'string', description: "the account's segment" },
    accountNps: { type: 'number', range: NPS, params: windowParams, description: "the account's NPS in the window" },
    accountHealth: { type: 'enum', values: HEALTH_COLOURS, params: dimensionParams, description: "the account's health colour in a dimension" },
  },
};

/** Operators per fact type: json-rules-engine's built-ins plus npsloop's date and presence operators. */
export const OPERATORS_BY_TYPE: Record<FactType, readonly string[]> = {
  number: ['equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'in', 'notIn', 'between', 'isKnown', 'isUnknown'],
  date: ['before', 'after', 'between', 'inLastDays', 'moreThanDaysAgo', 'isKnown', 'isUnknown'],
  string: ['equal', 'notEqual', 'in', 'notIn', 'isKnown', 'isUnknown'],
  enum: ['equal', 'notEqual', 'in', 'notIn', 'isKnown', 'isUnknown'],
  boolean: ['equal', 'notEqual'],
};
