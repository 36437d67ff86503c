import type { RuleResult } from 'json-rules-engine';
import type { Condition } from './condition-schema.ts';
import { createEngine, factKey, type Clock, type FactValues } from './create-engine.ts';
import { RULE_SUBJECTS, type HealthRule, type ListRule, type TriggerRule } from './rule-schema.ts';
import type { HealthColour } from './fact-catalogue.ts';

/*
 * Per-entity evaluation with json-rules-engine, the reference semantics: one user for a list,
 * one response event for a trigger, one account for health. Compile a rule once and reuse the
 * evaluator; the engine is built at compile time, not per call.
 */

/** Whether json-rules-engine evaluated a condition; it skips those whose siblings already decided. */
type Outcome = { evaluated: true; result: boolean } | { evaluated: false };

export type LeafExplanation = {
  kind: 'leaf';
  fact: string;
  params?: Record<string, unknown>;
  path?: string;
  operator: string;
  value: unknown;
} & ({ evaluated: true; result: boolean; /** The value compared (read through `path`, if any). */ factValue: unknown } | { evaluated: false });

/** A tree mirroring the rule's conditions, with each node's outcome. */
export type ConditionExplanation =
  | ({ kind: 'all' | 'any'; conditions: ConditionExplanation[] } & Outcome)
  | ({ kind: 'not'; condition: ConditionExplanation } & Outcome)
  | LeafExplanation;

export interface RuleEvaluation {
  matched: boolean;
  explanation: ConditionExplanation;
}

export interface CompiledRule {
  readonly rule: ListRule | TriggerRule;
  evaluate(facts: FactValues): Promise<RuleEvaluation>;
}

export interface HealthEvaluation {
  /** null when no criterion holds (a rule without an unconditional last criterion). */
  colour: HealthColour | null;
  criterionIndex: number | null;
  /** The criterion's reason text first, then each condition that made it hold. */
  reasons: string[];
}

export interface CompiledHealthRule {
  readonly rule: HealthRule;
  evaluate(facts: FactValues): Promise<HealthEvaluation>;
}

export function compileRule(rule: ListRule | TriggerRule, clock: Clock): CompiledRule {
  const engine = createEngine(RULE_SUBJECTS[rule.kind], [{ name: rule.name, conditions: rule.conditions }], clock);
  return {
    rule,
    async evaluate(facts) {
      const [result] = await engine.run(facts);
      return { matched: result?.result === true, explanation: explainResult(rule.conditions, result) };
    },
  };
}

/** A one-off evaluation; in a loop, compile the rule once instead. */
export function evaluateRule(rule: ListRule | TriggerRule, facts: FactValues, clock: Clock): Promise<RuleEvaluation> {
  return compileRule(rule, clock).evaluate(facts);
}

/** All of a health rule's criteria run in one engine pass; the first that holds, in order, gives the colour. */
export function compileHealthRule(rule: HealthRule, clock: Clock): CompiledHealthRule {
  const conditional = rule.criteria.flatMap((criterion, index) =>
    criterion.conditions === undefined ? [] : [{ index, name: `criterion-${index}`, conditions: criterion.conditions }],
  );
  const engine = createEngine(RULE_SUBJECTS.health, conditional, clock);
  return {
    rule,
    async evaluate(facts) {
      const results = await engine.run(facts);
      const resultOf = new Map(conditional.map(({ index }, position) => [index, results[position]]));
      for (const [index, criterion] of rule.criteria.entries()) {
        const reasons = criterion.reason === undefined ? [] : [criterion.reason];
        if (criterion.conditions === undefined) return { colour: criterion.colour, criterionIndex: index, reasons };
        const result = resultOf.get(index);
        if (result?.result === true) {
          const explanation = explainResult(criterion.conditions, result);
          return { colour: criterion.colour, criterionIndex: index, reasons: [...reasons, ...reasonsOf(explanation)] };
        }
      }
      return { colour: null, criterionIndex: null, reasons: [] };
    },
  };
}

export function evaluateHealthRule(rule: HealthRule, facts: FactValues, clock: Clock): Promise<HealthEvaluation> {
  return compileHealthRule(rule, clock).evaluate(facts);
}

/**
 * The leaves that decided a condition's outcome, as text: for a group that held, its children
 * that held; for one that failed, those that failed; through `not`, the child's own outcome.
 * E.g. "nps(window=last_90_days) = -12 is lessThan 0".
 */
export function reasonsOf(explanation: ConditionExplanation): string[] {
  if (!explanation.evaluated) return [];
  switch (explanation.kind) {
    case 'leaf':
      return [describeLeaf(explanation)];
    case 'not':
      return reasonsOf(explanation.condition);
    default: {
      const decided = explanation.result;
      return explanation.conditions.filter((child) => child.evaluated && child.result === decided).flatMap(reasonsOf);
    }
  }
}

function describeLeaf(leaf: LeafExplanation & { evaluated: true }): string {
  const name = factKey(leaf.fact, leaf.params) + (leaf.path === undefined ? '' : leaf.path.slice(1));
  const is = leaf.result ? 'is' : 'is not';
  if (leaf.operator === 'isKnown' || leaf.operator === 'isUnknown') {
    return `${name} = ${formatValue(leaf.factValue)} ${is} ${leaf.operator === 'isKnown' ? 'known' : 'unknown'}`;
  }
  return `${name} = ${formatValue(leaf.factValue)} ${is} ${leaf.operator} ${formatValue(leaf.value)}`;
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'unknown';
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** The part of json-rules-engine's evaluated condition tree (ruleResult.conditions) that is read here. */
interface EvaluatedCondition {
  result?: unknown;
  factResult?: unknown;
  all?: EvaluatedCondition[];
  any?: EvaluatedCondition[];
  not?: EvaluatedCondition;
}

/** json-rules-engine keeps the outcome of a rule's top condition on the rule result, not on the condition. */
function explainResult(conditions: Condition, ruleResult: RuleResult | undefined): ConditionExplanation {
  return explain(conditions, ruleResult && { ...ruleResult.conditions, result: ruleResult.result });
}

/** Mirrors the rule's conditions; a node json-rules-engine skipped carries no result. */
function explain(condition: Condition, result: unknown): ConditionExplanation {
  const evaluated = result as EvaluatedCondition | undefined;
  const outcome: Outcome = typeof evaluated?.result === 'boolean' ? { evaluated: true, result: evaluated.result } : { evaluated: false };
  if ('all' in condition) return { kind: 'all', ...outcome, conditions: condition.all.map((child, i) => explain(child, evaluated?.all?.[i])) };
  if ('any' in condition) return { kind: 'any', ...outcome, conditions: condition.any.map((child, i) => explain(child, evaluated?.any?.[i])) };
  if ('not' in condition) return { kind: 'not', ...outcome, condition: explain(condition.not, evaluated?.not) };
  const leaf = {
    kind: 'leaf' as const,
    fact: condition.fact,
    ...(condition.params === undefined ? {} : { params: condition.params }),
    ...(condition.path === undefined ? {} : { path: condition.path }),
    operator: condition.operator,
    value: condition.value,
  };
  return outcome.evaluated ? { ...leaf, ...outcome, factValue: evaluated?.factResult } : { ...leaf, ...outcome };
}
