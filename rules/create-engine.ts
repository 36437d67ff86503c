import { Engine, Fact, type Almanac, type RuleResult } from 'json-rules-engine';
import type { Condition, GroupCondition } from './condition-schema.ts';
import { FACT_CATALOGUE, type RuleSubject } from './fact-catalogue.ts';
import { createCustomOperators } from './operators.ts';

/*
 * json-rules-engine set up as npsloop's reference semantics: unknown facts are allowed (they
 * are undefined, never an error), npsloop's operators are added with an injectable clock, and
 * every fact is read from one plain object of values the caller loaded beforehand.
 */

export type Clock = () => Date;

/**
 * Values of the facts a rule reads, by factKey: { latestScore: 3, 'accountNps(window=last_90_days)': -12 }.
 * A missing key, undefined and null are all unknown.
 */
export type FactValues = Readonly<Record<string, unknown>>;

/** One rule for the engine; its name identifies its result. */
export interface EngineRule {
  name: string;
  conditions: GroupCondition;
}

export interface RuleEngine {
  /** The result of each rule, in the order the rules were given. */
  run(values: FactValues): Promise<RuleResult[]>;
}

export interface FactReference {
  fact: string;
  params?: Record<string, unknown>;
  key: string;
}

/** The runtime fact that carries the caller's values to the dynamic facts. */
const SUPPLIED_VALUES = 'npsloop:suppliedValues';

/**
 * The key under which a fact's value is supplied: the fact's name, followed by its params
 * sorted by name, e.g. accountNps(window=last_90_days). Catalogue params are strings.
 */
export function factKey(fact: string, params?: Readonly<Record<string, unknown>>): string {
  const names = params ? Object.keys(params).sort() : [];
  if (names.length === 0) return fact;
  return `${fact}(${names.map((name) => `${name}=${String(params?.[name])}`).join(',')})`;
}

/** Every fact the conditions read, once per key: what a loader must supply. */
export function factReferences(conditions: Condition): FactReference[] {
  const references = new Map<string, FactReference>();
  const visit = (condition: Condition): void => {
    if ('all' in condition) condition.all.forEach(visit);
    else if ('any' in condition) condition.any.forEach(visit);
    else if ('not' in condition) visit(condition.not);
    else {
      const key = factKey(condition.fact, condition.params);
      if (!references.has(key)) {
        references.set(key, { fact: condition.fact, ...(condition.params ? { params: condition.params } : {}), key });
      }
    }
  };
  visit(conditions);
  return [...references.values()];
}

/**
 * Builds one engine for rules that are evaluated many times. json-rules-engine keeps a single
 * running/finished status per engine, and a run that finishes while another is starting makes
 * the other skip its rules; so runs on one engine are queued (they never wait on I/O anyway).
 */
export function createEngine(subject: RuleSubject, rules: readonly EngineRule[], clock: Clock): RuleEngine {
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver: readTopLevelKey });
  for (const operator of createCustomOperators(clock)) engine.addOperator(operator);
  for (const rule of rules) engine.addRule({ name: rule.name, conditions: rule.conditions, event: { type: rule.name } });
  const factNames = new Set(rules.flatMap((rule) => factReferences(rule.conditions).map((reference) => reference.fact)));
  for (const fact of factNames) {
    const readsAttributes = FACT_CATALOGUE[subject][fact]?.requiresPath === true;
    const calculate = (params: Record<string, unknown>, almanac: Almanac) =>
      almanac.factValue<FactValues>(SUPPLIED_VALUES).then((values) => {
        const value = suppliedValue(values, factKey(fact, params));
        // Given a path, json-rules-engine compares a value that is not an object whole; attributes that are not an object are unknown.
        return readsAttributes && !isPlainObject(value) ? undefined : value;
      });
    // Not cached: the lookup is cheaper than json-rules-engine's hash of the params.
    engine.addFact(fact, calculate, { cache: false });
  }

  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(values) {
      const results = queue.then(async () => {
        const { results: held, failureResults } = await engine.run({ [SUPPLIED_VALUES]: new Fact(SUPPLIED_VALUES, values, { cache: false }) });
        const byName = new Map([...held, ...failureResults].map((result) => [result.name, result]));
        return rules.map((rule) => {
          const result = byName.get(rule.name);
          if (result === undefined) throw new Error(`json-rules-engine returned no result for rule ${rule.name}`);
          return result;
        });
      });
      queue = results.catch(() => undefined);
      return results;
    },
  };
}

function suppliedValue(values: FactValues, key: string): unknown {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Reads `$.name` (the only path validateRule accepts) as an own key; a missing key is unknown. */
function readTopLevelKey(value: object, path: string): unknown {
  const key = path.slice(2);
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
