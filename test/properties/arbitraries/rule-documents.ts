import fc from 'fast-check';
import type { Condition, GroupCondition, LeafCondition } from '../../../rules/condition-schema.ts';
import { DEFAULT_RULES } from '../../../rules/default-rules.ts';
import { FACT_CATALOGUE, HEALTH_COLOURS, HEALTH_DIMENSIONS, OPERATORS_BY_TYPE, type FactDefinition, type RuleSubject } from '../../../rules/fact-catalogue.ts';
import type { HealthCriterion, RuleDefinition } from '../../../rules/rule-schema.ts';
import { MAX_DAYS } from '../../../rules/validate-rule.ts';
import { aHealthRule, aLeaf, aListRule, aTriggerRule, nestedConditions } from '../../fixtures/rules.ts';
import { anyJson, anyValue, keysOf, shapedLike } from './hostile-json.ts';
import { mutatedJson } from './json-mutations.ts';

/*
 * Rule documents: valid ones built from the fact catalogue (any fact, operator and value it
 * allows, nested in all/any/not), the shipped and fixture rules, mutants of them, and anything.
 */

const WINDOWS = ['this_month', 'last_month', 'this_quarter', 'last_quarter', 'year_to_date', 'last_30_days', 'last_3660_days', 'custom:2026-01-01..2026-03-31'];

const slug = fc.stringMatching(/^[a-z0-9-]{1,100}$/);
const isoInstant = fc
  .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) })
  .chain((ms) => fc.constantFrom(new Date(ms).toISOString(), new Date(ms).toISOString().slice(0, 10)));

function scalar(definition: FactDefinition): fc.Arbitrary<string | number | boolean> {
  if (definition.requiresPath) return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  switch (definition.type) {
    case 'number': {
      const { min, max } = definition.range ?? { min: -1e6, max: 1e6 };
      return fc.oneof(fc.integer({ min, max }), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
    }
    case 'date':
      return isoInstant;
    case 'enum':
      return fc.constantFrom(...(definition.values ?? []));
    case 'string':
      return fc.string({ maxLength: 20 });
    case 'boolean':
      return fc.boolean();
  }
}

function value(definition: FactDefinition, operator: string): fc.Arbitrary<unknown> {
  switch (operator) {
    case 'isKnown':
    case 'isUnknown':
      return fc.constant(true);
    case 'inLastDays':
    case 'moreThanDaysAgo':
      return fc.integer({ min: 1, max: MAX_DAYS });
    case 'in':
    case 'notIn':
      return fc.array(scalar(definition), { minLength: 1, maxLength: 4 });
    case 'between':
      return fc.tuple(scalar(definition), scalar(definition)).map((bounds) => {
        const at = (bound: unknown) => (typeof bound === 'number' ? bound : Date.parse(bound as string));
        return at(bounds[0]) <= at(bounds[1]) ? bounds : [bounds[1], bounds[0]];
      });
    default:
      return scalar(definition);
  }
}

function params(definition: FactDefinition): fc.Arbitrary<Record<string, unknown> | undefined> {
  if (definition.params === undefined) return fc.constant(undefined);
  const shape = (definition.params as unknown as { shape: Record<string, unknown> }).shape;
  return 'window' in shape ? fc.record({ window: fc.constantFrom(...WINDOWS) }) : fc.record({ dimension: fc.constantFrom(...HEALTH_DIMENSIONS) });
}

/** A leaf any subject's catalogue allows, as json-rules-engine writes it. */
function validLeaf(subject: RuleSubject): fc.Arbitrary<LeafCondition> {
  return fc.constantFrom(...Object.entries(FACT_CATALOGUE[subject])).chain(([fact, definition]) =>
    fc.constantFrom(...OPERATORS_BY_TYPE[definition.type]).chain((operator) =>
      fc
        .record(
          {
            value: value(definition, operator),
            path: definition.requiresPath ? fc.stringMatching(/^\$\.[A-Za-z_][A-Za-z0-9_]{0,10}$/) : fc.constant(undefined),
            params: params(definition),
            priority: fc.integer({ min: 1, max: 100 }),
          },
          { requiredKeys: ['value', 'path', 'params'] },
        )
        .map(({ path, params: given, ...rest }) => ({ fact, operator, ...rest, ...(path === undefined ? {} : { path }), ...(given === undefined ? {} : { params: given }) })),
    ),
  );
}

/** A group of conditions, up to four levels deep, as the top of a rule must be. */
export function validGroup(subject: RuleSubject): fc.Arbitrary<GroupCondition> {
  const { group } = fc.letrec<{ group: GroupCondition; node: Condition }>((tie) => ({
    group: fc.oneof(
      { depthSize: 'small' },
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
      tie('node').map((not) => ({ not })),
    ),
    node: fc.oneof({ depthSize: 'small', maxDepth: 3 }, validLeaf(subject), tie('group')),
  }));
  return group;
}

const description = fc.option(fc.string({ maxLength: 60 }), { nil: undefined });

function withOptional<T extends object>(document: T, key: string, given: unknown): T {
  return given === undefined ? document : { ...document, [key]: given };
}

const criterion: fc.Arbitrary<HealthCriterion> = fc
  .record({ colour: fc.constantFrom(...HEALTH_COLOURS), conditions: validGroup('account'), reason: fc.option(fc.string({ minLength: 1, maxLength: 60 }), { nil: undefined }) })
  .map(({ reason, ...rest }) => withOptional(rest, 'reason', reason));

/** A rule of any kind that the validator must take as written. */
export const validRule: fc.Arbitrary<RuleDefinition> = fc.oneof(
  fc.record({ name: slug, description, conditions: validGroup('user') }).map(({ description: text, ...rest }) => withOptional({ kind: 'list' as const, ...rest }, 'description', text)),
  fc.record({ name: slug, description, conditions: validGroup('response_event') }).map(({ description: text, ...rest }) => withOptional({ kind: 'trigger' as const, ...rest }, 'description', text)),
  fc
    .record({
      name: slug,
      description,
      dimension: fc.constantFrom(...HEALTH_DIMENSIONS),
      criteria: fc.array(criterion, { minLength: 1, maxLength: 4 }),
      otherwise: fc.option(fc.constantFrom(...HEALTH_COLOURS), { nil: undefined }),
    })
    .map(({ description: text, criteria, otherwise, ...rest }) =>
      withOptional({ kind: 'health' as const, ...rest, criteria: otherwise === undefined ? criteria : [...criteria, { colour: otherwise }] }, 'description', text),
    ),
);

/** The rules npsloop ships and the tests' own, written by people. */
export const KNOWN_RULES: readonly RuleDefinition[] = [
  ...DEFAULT_RULES,
  aListRule(),
  aTriggerRule(),
  aHealthRule(),
  aListRule({ conditions: nestedConditions(10) }),
  aListRule({ conditions: { any: [aLeaf({ fact: 'attributes', path: '$.plan', operator: 'in', value: ['pro', 'gold'] }), { not: aLeaf() }] } }),
];

/** Any document that could be sent as a rule: valid, known, mutated, in the rules' vocabulary, or anything. */
export const ruleDocument: fc.Arbitrary<unknown> = fc.oneof(
  validRule,
  fc.constantFrom(...KNOWN_RULES),
  { weight: 4, arbitrary: fc.oneof(validRule.chain((rule) => mutatedJson(rule)), ...KNOWN_RULES.map((rule) => mutatedJson(rule))) },
  shapedLike([...keysOf(...KNOWN_RULES), 'list', 'health', 'trigger', 'latestScore', 'equal', 'in', 'between', '$.plan']),
  anyJson,
  anyValue,
);
