import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { computeAccountNps, type NpsSettings } from '../db/queries/account-nps.ts';
import { responseEvent } from '../db/queries/response-event.ts';
import { listRules } from '../db/queries/rules.ts';
import type { Rule } from '../db/tables/rules.ts';
import { parseWindowKey, resolveWindow } from '../nps/windows.ts';
import { type Clock, type FactValues, factKey, factReferences } from '../rules/create-engine.ts';
import { type CompiledRule, compileRule, type ConditionExplanation } from '../rules/evaluate-rule.ts';
import type { TriggerRule } from '../rules/rule-schema.ts';

export interface TriggerMatch {
  rule: string;
  ruleId: number;
  ruleVersion: number;
  explanation: ConditionExplanation;
}

export interface TriggerEvaluation {
  responseId: number;
  /** The enabled trigger rules that held for the response. */
  matches: TriggerMatch[];
  /** How many enabled trigger rules were evaluated. */
  evaluated: number;
  facts: FactValues;
}

/**
 * Evaluates the enabled trigger rules against one response event with json-rules-engine.
 * Rules are compiled once per version and kept, so an event costs one engine run per rule.
 */
export function createTriggerEvaluator(clock: Clock) {
  const compiled = new Map<string, CompiledRule>();
  const compiledFor = (rule: Rule): CompiledRule => {
    const key = `${rule.id}@${rule.version}`;
    let entry = compiled.get(key);
    if (!entry) {
      entry = compileRule(rule.definition as TriggerRule, clock);
      compiled.set(key, entry);
    }
    return entry;
  };

  return async function evaluateTriggers(db: Kysely<Database>, responseId: number, settings: NpsSettings): Promise<TriggerEvaluation> {
    const rules = await listRules(db, { kind: 'trigger', enabledOnly: true, limit: 1_000 });
    const facts = await loadResponseEventFacts(db, responseId, rules.map((r) => r.definition as TriggerRule), settings);
    const matches: TriggerMatch[] = [];
    for (const rule of rules) {
      const evaluation = await compiledFor(rule).evaluate(facts);
      if (evaluation.matched) matches.push({ rule: rule.name, ruleId: rule.id, ruleVersion: rule.version, explanation: evaluation.explanation });
    }
    return { responseId, matches, evaluated: rules.length, facts };
  };
}

/** The `response_event` facts the given trigger rules read, for one stored response. */
export async function loadResponseEventFacts(
  db: Kysely<Database>,
  responseId: number,
  rules: readonly TriggerRule[],
  settings: NpsSettings,
): Promise<FactValues> {
  const event = await responseEvent(db, responseId);
  if (!event) throw new Error(`no NPS response with id ${responseId}`);
  const facts: Record<string, unknown> = {
    score: event.score,
    category: event.category,
    previousScore: event.previous_score,
    previousCategory: event.previous_category,
    scoreChange: event.previous_score === null ? null : event.score - event.previous_score,
    hasComment: event.comment !== null && event.comment.trim() !== '',
    respondedAt: event.responded_at,
    source: event.source,
    role: event.role,
    persona: event.persona,
    accountSegment: event.account_segment,
  };

  const references = rules.flatMap((rule) => factReferences(rule.conditions));
  const windowKeys = [...new Set(references.filter((r) => r.fact === 'accountNps').map((r) => String(r.params?.window)))];
  if (windowKeys.length > 0) {
    const windows = windowKeys.map((key) => ({ ...resolveWindow(parseWindowKey(key), settings), requested: key }));
    const figures = await computeAccountNps(db, windows.map(({ requested, start, end }) => ({ key: requested, start, end })), [event.account_id], settings.counting);
    for (const figure of figures) facts[factKey('accountNps', { window: figure.window_key })] = figure.nps;
  }
  if (references.some((r) => r.fact === 'accountHealth')) {
    const health = await db.selectFrom('account_health').select(['dimension', 'colour']).where('account_id', '=', event.account_id).execute();
    for (const dimension of ['relationship', 'service'] as const) {
      facts[factKey('accountHealth', { dimension })] = health.find((h) => h.dimension === dimension)?.colour ?? null;
    }
  }
  return facts;
}
