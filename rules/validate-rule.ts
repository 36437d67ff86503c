import { z } from 'zod';
import { closestName } from './closest-name.ts';
import { conditionBoundsIssue, leafConditionSchema, subConditions, type LeafCondition } from './condition-schema.ts';
import { FACT_CATALOGUE, OPERATORS_BY_TYPE, type FactDefinition, type RuleSubject } from './fact-catalogue.ts';
import { MAX_HEALTH_CRITERIA, RULE_KINDS, RULE_SUBJECTS, ruleDefinitionSchema, type RuleDefinition } from './rule-schema.ts';
import { jsonPath } from './json-path.ts';

/*
 * The check a rule passes when it is saved, never when it runs: the structure (rule-schema)
 * and every leaf against the fact catalogue of the rule's subject. All mistakes are reported
 * at once, each at its JSON path and with what would be valid there.
 */

export interface RuleError {
  /** JSONPath-ish: $.conditions.all[1].operator */
  path: string;
  message: string;
  /** What would be valid at the path, when it is one of a known few: facts, operators, enum values, kinds. */
  validValues?: readonly unknown[];
  /** The valid value closest to what was written, for a "did you mean". */
  suggestion?: string;
}

export type RuleValidation = { ok: true; rule: RuleDefinition } | { ok: false; errors: RuleError[] };

export const MAX_DAYS = 36_500;
export const MAX_IN_VALUES = 1000;
/** A custom attribute is read by one top-level key: $.plan */
export const ATTRIBUTE_PATH = /^\$\.[A-Za-z_][A-Za-z0-9_]*$/;

type PathStep = PropertyKey;

const SUBJECT_LABELS: Record<RuleSubject, string> = {
  user: 'users (list rules)',
  account: 'accounts (health rules)',
  response_event: 'response events (trigger rules)',
};

const isoInstantSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const DATE_TEXT = 'an ISO 8601 date such as "2026-01-01" (midnight UTC) or a date-time with an offset such as "2026-01-01T09:00:00Z"';

export function validateRule(input: unknown): RuleValidation {
  const parsed = ruleDefinitionSchema.safeParse(input);
  const errors = parsed.success ? [] : parsed.error.issues.flatMap(zodIssueErrors);
  // Leaves are checked on the input as given, so a structural mistake elsewhere hides nothing.
  errors.push(...catalogueErrors(input));
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  return { ok: true, rule: parsed.data };
}

/**
 * A zod issue as errors at their JSON paths, with the values zod knew were valid (an enum's, a
 * discriminator's, or a custom issue's `params.validValues`).
 */
export function zodIssueErrors(issue: z.core.$ZodIssue): RuleError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), message: issue.message }));
  }
  return [{ path: jsonPath(issue.path), message: issue.message, ...validValuesOf(issue) }];
}

function validValuesOf(issue: z.core.$ZodIssue): Pick<RuleError, 'validValues' | 'suggestion'> {
  if (issue.code === 'invalid_value') return { validValues: issue.values };
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) return { validValues: issue.options };
  if (issue.code === 'custom' && issue.params !== undefined) {
    const { validValues, suggestion } = issue.params as Pick<RuleError, 'validValues' | 'suggestion'>;
    return { ...(validValues ? { validValues } : {}), ...(suggestion ? { suggestion } : {}) };
  }
  return {};
}

/** The valid names and, when one is close to `name`, the suggestion. */
function choices(name: string, known: readonly string[]): Pick<RuleError, 'validValues' | 'suggestion'> {
  const suggestion = closestName(name, known);
  return { validValues: known, ...(suggestion === undefined ? {} : { suggestion }) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function catalogueErrors(input: unknown): RuleError[] {
  const kind = isRecord(input) ? RULE_KINDS.find((known) => known === input['kind']) : undefined;
  if (kind === undefined) return [];
  const subject = RULE_SUBJECTS[kind];
  return conditionTrees(input as Record<string, unknown>)
    .filter(([, conditions]) => conditionBoundsIssue(conditions) === null) // the schema reports those
    .flatMap(([path, conditions]) => leafErrorsIn(conditions, path, subject));
}

/** Each condition tree of a rule with its path. */
function conditionTrees(input: Record<string, unknown>): [PathStep[], unknown][] {
  if (input['kind'] !== 'health') return Object.hasOwn(input, 'conditions') ? [[['conditions'], input['conditions']]] : [];
  const criteria = input['criteria'];
  if (!Array.isArray(criteria)) return [];
  return criteria
    .slice(0, MAX_HEALTH_CRITERIA)
    .flatMap((criterion, index): [PathStep[], unknown][] =>
      isRecord(criterion) && Object.hasOwn(criterion, 'conditions') ? [[['criteria', index, 'conditions'], criterion['conditions']]] : [],
    );
}

/** Catalogue errors of every structurally sound leaf; structural mistakes are the schema's to report. */
function leafErrorsIn(conditions: unknown, path: PathStep[], subject: RuleSubject): RuleError[] {
  const children = subConditions(conditions);
  if (children) return children.flatMap(([step, child]) => leafErrorsIn(child, [...path, ...step], subject));
  const leaf = leafConditionSchema.safeParse(conditions);
  return leaf.success ? leafErrors(leaf.data, path, subject) : [];
}

function leafErrors(leaf: LeafCondition, path: PathStep[], subject: RuleSubject): RuleError[] {
  const facts = FACT_CATALOGUE[subject];
  const definition = Object.hasOwn(facts, leaf.fact) ? facts[leaf.fact] : undefined;
  if (definition === undefined) {
    return [
      {
        path: jsonPath([...path, 'fact']),
        message: `"${leaf.fact}" is not a fact of ${SUBJECT_LABELS[subject]}; ${didYouMean(leaf.fact, Object.keys(facts))}valid facts: ${Object.keys(facts).join(', ')}`,
        ...choices(leaf.fact, Object.keys(facts)),
      },
    ];
  }
  return [
    ...operatorAndValueErrors(leaf, definition, path),
    ...pathErrors(leaf, definition, path),
    ...paramsErrors(leaf, definition, path),
  ];
}

function operatorAndValueErrors(leaf: LeafCondition, definition: FactDefinition, path: PathStep[]): RuleError[] {
  const operators = OPERATORS_BY_TYPE[definition.type];
  const at = (...steps: PathStep[]) => jsonPath([...path, ...steps]);
  if (leaf.operator.includes(':')) {
    return [
      {
        path: at('operator'),
        message: `operator decorators such as "${leaf.operator}" are not supported; wrap the condition in { "not": ... } or use one of: ${operators.join(', ')}`,
        validValues: operators,
      },
    ];
  }
  if (!operators.includes(leaf.operator)) {
    return [
      {
        path: at('operator'),
        message: `"${leaf.operator}" does not apply to ${leaf.fact} (${typeLabel(definition)}); ${didYouMean(leaf.operator, operators)}valid operators: ${operators.join(', ')}`,
        ...choices(leaf.operator, operators),
      },
    ];
  }
  const value = leaf.value;
  if (isRecord(value) && Object.hasOwn(value, 'fact')) {
    return [{ path: at('value'), message: 'fact references are not supported in "value"; compare with a literal value instead' }];
  }
  const expected = scalarExpectation(leaf.fact, definition);
  switch (leaf.operator) {
    case 'isKnown':
    case 'isUnknown':
      return value === true ? [] : [{ path: at('value'), message: `must be true: ${leaf.operator} compares with nothing, so write "value": true` }];
    case 'inLastDays':
    case 'moreThanDaysAgo':
      return isDays(value) ? [] : [{ path: at('value'), message: `must be a whole number of days from 1 to ${MAX_DAYS}` }];
    case 'in':
    case 'notIn':
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
        return [{ path: at('value'), message: `must be an array of 1 to ${MAX_IN_VALUES} values, each ${expected.text}` }];
      }
      return value.flatMap((item, index) => problemAt(expected.problem(item), at('value', index), expected.values));
    case 'between':
      return betweenErrors(value, expected, at);
    default:
      return problemAt(expected.problem(value), at('value'), expected.values);
  }
}

/** "did you mean "lessThan"? " when a known name is close to `name`, else nothing. */
function didYouMean(name: string, known: readonly string[]): string {
  const closest = closestName(name, known);
  return closest === undefined ? '' : `did you mean "${closest}"? `;
}

function betweenErrors(value: unknown, expected: Expectation, at: (...steps: PathStep[]) => string): RuleError[] {
  if (!Array.isArray(value) || value.length !== 2) {
    return [{ path: at('value'), message: `must be [low, high], each ${expected.text}, with low ≤ high` }];
  }
  const problems = value.flatMap((item, index) => problemAt(expected.problem(item), at('value', index)));
  if (problems.length > 0) return problems;
  const [low, high] = value.map((bound) => (typeof bound === 'number' ? bound : Date.parse(bound as string)));
  return (low as number) <= (high as number)
    ? []
    : [{ path: at('value'), message: `must be [low, high] with low ≤ high; ${JSON.stringify(value[0])} is above ${JSON.stringify(value[1])}` }];
}

function problemAt(problem: string | null, path: string, validValues?: readonly string[]): RuleError[] {
  return problem === null ? [] : [{ path, message: problem, ...(validValues ? { validValues } : {}) }];
}

interface Expectation {
  /** What a valid value is, e.g. "a number from 0 to 10". */
  text: string;
  problem(value: unknown): string | null;
  /** The valid values, when they are a known few (an enum's). */
  values?: readonly string[];
}

function typeLabel(definition: FactDefinition): string {
  if (definition.requiresPath) return 'a custom attribute';
  if (definition.type === 'enum') return `one of ${(definition.values ?? []).join(', ')}`;
  return `a ${definition.type}`;
}

/** What a single compared value of this fact and operator must be. */
function scalarExpectation(fact: string, definition: FactDefinition): Expectation {
  const expect = (text: string, accepts: (value: unknown) => boolean): Expectation => ({
    text,
    problem: (value) => (accepts(value) ? null : `must be ${text}`),
  });
  if (definition.requiresPath) {
    return expect('a string, number or boolean', (value) => ['string', 'boolean'].includes(typeof value) || isFiniteNumber(value));
  }
  switch (definition.type) {
    case 'number':
      return numberExpectation(fact, definition.range);
    case 'date':
      return expect(DATE_TEXT, (value) => isoInstantSchema.safeParse(value).success);
    case 'enum': {
      const values = definition.values ?? [];
      return { ...expect(`one of ${values.map((value) => JSON.stringify(value)).join(', ')}`, (value) => values.includes(value as string)), values };
    }
    case 'string':
      return expect('a string', (value) => typeof value === 'string');
    case 'boolean':
      return expect('true or false', (value) => typeof value === 'boolean');
  }
}

function numberExpectation(fact: string, range: FactDefinition['range']): Expectation {
  const bounds =
    range === undefined ? '' : range.max === Number.MAX_SAFE_INTEGER ? ` of ${range.min} or more` : ` from ${range.min} to ${range.max}`;
  return {
    text: `a number${bounds}`,
    problem: (value) => {
      if (!isFiniteNumber(value)) return `must be a number${bounds}`;
      if (range !== undefined && (value < range.min || value > range.max)) {
        return `${value} is out of range: ${fact} is a number${bounds}`;
      }
      return null;
    },
  };
}

function isDays(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_DAYS;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function pathErrors(leaf: LeafCondition, definition: FactDefinition, path: PathStep[]): RuleError[] {
  const at = jsonPath([...path, 'path']);
  if (!definition.requiresPath) {
    return leaf.path === undefined ? [] : [{ path: at, message: `${leaf.fact} is not an object of attributes, so it takes no path; remove "path"` }];
  }
  if (leaf.path === undefined) {
    return [{ path: at, message: `is required: ${leaf.fact} is an object of custom attributes; read one by its key, e.g. "$.plan"` }];
  }
  return ATTRIBUTE_PATH.test(leaf.path)
    ? []
    : [{ path: at, message: 'must be one top-level key "$.name" (letters, digits and _, not starting with a digit), e.g. "$.plan"' }];
}

function paramsErrors(leaf: LeafCondition, definition: FactDefinition, path: PathStep[]): RuleError[] {
  const at = (...steps: PathStep[]) => jsonPath([...path, 'params', ...steps]);
  if (definition.params === undefined) {
    return leaf.params === undefined ? [] : [{ path: at(), message: `${leaf.fact} takes no params; remove "params"` }];
  }
  const shape: Record<string, z.ZodType> = definition.params instanceof z.ZodObject ? definition.params.shape : {};
  const takes = Object.entries(shape)
    .map(([name, schema]) => `"${name}" (${paramHint(schema)})`)
    .join(', ');
  if (leaf.params === undefined) return [{ path: at(), message: `is required: ${leaf.fact} takes params ${takes}` }];
  const params = leaf.params;
  const parsed = definition.params.safeParse(params);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: at(key), message: `is not a param of ${leaf.fact}; it takes ${takes}`, ...choices(key, Object.keys(shape)) }));
    }
    const name = String(issue.path[0]);
    const schema = shape[name];
    const missing = params[name] === undefined && schema !== undefined;
    const options = schema instanceof z.ZodEnum ? { validValues: schema.options } : {};
    return [{ path: at(...issue.path), message: missing ? `is required by ${leaf.fact}: ${paramHint(schema)}` : issue.message, ...options }];
  });
}

/** What a param accepts, in its own schema's words: its message for an empty value says so. */
function paramHint(schema: z.ZodType): string {
  if (schema instanceof z.ZodEnum) return `one of ${schema.options.join(', ')}`;
  const probe = schema.safeParse('');
  return probe.success ? 'any text' : (probe.error.issues[0]?.message ?? 'see the fact catalogue');
}
