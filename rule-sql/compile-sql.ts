import { type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Condition, LeafCondition } from '../rules/condition-schema.ts';
import { OPERATORS_BY_TYPE } from '../rules/fact-catalogue.ts';
import {
  attributeValue,
  checkFactUse,
  type FactPlan,
  type FactSettings,
  type FactUse,
  planFacts,
  type SqlSubject,
  type SubjectDatabase,
} from './fact-sql.ts';

/**
 * Compiles a rule's conditions to SQL over all users or accounts, with json-rules-engine (and
 * rules/operators.ts) as the reference meaning:
 * - an unknown fact (NULL) satisfies no comparison; notEqual and notIn hold for it; isKnown and
 *   isUnknown test it; `not` of a condition that does not hold is true. SQL's three-valued logic
 *   is kept out by compiling with the polarity the condition is under: `not` is pushed down to
 *   the leaves (De Morgan), and a negated leaf becomes `(…) is not true`;
 * - empty `all` and empty `any` both hold, as in json-rules-engine;
 * - date values are parsed with Date.parse, as the custom operators do, and reach SQL as instants.
 * Every value is a bound parameter; attribute names are checked against a strict pattern first.
 */

/** A condition the compiler cannot run; `path` is where in the conditions it is, e.g. $.all[2].not. */
export class RuleCompileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'RuleCompileError';
  }
}

type Node = { kind: 'all' | 'any'; children: unknown[] } | { kind: 'not'; child: unknown } | { kind: 'leaf'; leaf: LeafCondition };

function nodeOf(condition: unknown, at: string): Node {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    throw new RuleCompileError(at, 'a condition must be an object with all, any, not, or fact and operator');
  }
  const forms = ['all', 'any', 'not', 'fact'].filter((key) => Object.hasOwn(condition, key));
  const [form] = forms;
  if (forms.length !== 1 || form === undefined) {
    throw new RuleCompileError(at, `a condition needs exactly one of all, any, not, fact; got ${forms.join(', ') || 'none'}`);
  }
  const record = condition as Record<string, unknown>;
  if (form === 'all' || form === 'any') {
    const children = record[form];
    if (!Array.isArray(children)) throw new RuleCompileError(`${at}.${form}`, 'must be an array of conditions');
    return { kind: form, children };
  }
  if (form === 'not') return { kind: 'not', child: record.not };
  if (typeof record.fact !== 'string' || typeof record.operator !== 'string' || !Object.hasOwn(record, 'value')) {
    throw new RuleCompileError(at, 'a leaf needs a fact name, an operator and a value');
  }
  const value = record.value;
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'fact')) {
    throw new RuleCompileError(`${at}.value`, 'a value read from another fact is not supported');
  }
  return { kind: 'leaf', leaf: record as unknown as LeafCondition };
}

function eachLeaf(condition: unknown, at: string, visit: (leaf: LeafCondition, at: string) => void): void {
  const node = nodeOf(condition, at);
  if (node.kind === 'leaf') visit(node.leaf, at);
  else if (node.kind === 'not') eachLeaf(node.child, `${at}.not`, visit);
  else node.children.forEach((child, i) => eachLeaf(child, `${at}.${node.kind}[${i}]`, visit));
}

/** The facts the conditions read, checked against the subject's catalogue. */
export function factUsesOf(subject: SqlSubject, conditions: Condition): FactUse[] {
  const uses: FactUse[] = [];
  eachLeaf(conditions, '$', (leaf, at) => {
    const use = { fact: leaf.fact, params: leaf.params };
    try {
      checkFactUse(subject, use);
    } catch (error) {
      throw new RuleCompileError(at, error instanceof Error ? error.message : String(error));
    }
    uses.push(use);
  });
  return uses;
}

const TRUE = sql<SqlBool>`true`;
const FALSE = sql<SqlBool>`false`;
const DAY_MS = 86_400_000;
// PostgreSQL's earliest timestamptz (4714-11-24 BC); JavaScript's latest date (year 275760).
const EARLIEST_TIMESTAMP_MS = -210_866_803_200_000;
const LATEST_TIMESTAMP_MS = 8_640_000_000_000_000;

/** How a fact's values compare in SQL. */
type Comparison = 'number' | 'date' | 'text' | 'json';

/**
 * The value as a bound parameter, or null when no stored value can equal it: PostgreSQL text
 * holds neither NUL nor unpaired surrogates, so such a string matches nothing, as in JavaScript.
 */
function equatable(comparison: Comparison, value: unknown, at: string): RawBuilder<unknown> | null {
  if (comparison === 'number') return numberParam(value, at);
  if (typeof value === 'string' && !isStorableText(value)) return null;
  if (comparison === 'text') {
    if (typeof value !== 'string') throw new RuleCompileError(at, `expected a string, got ${JSON.stringify(value)}`);
    return sql`${value}::text`;
  }
  // Custom attributes compare as JSON: a string, a number or a boolean, never coerced.
  const scalar = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  if (!scalar) throw new RuleCompileError(at, `expected a string, number or boolean, got ${JSON.stringify(value)}`);
  return sql`${JSON.stringify(value)}::jsonb`;
}

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isStorableText(value: string): boolean {
  return !value.includes('\0') && !UNPAIRED_SURROGATE.test(value);
}

function numberParam(value: unknown, at: string): RawBuilder<number> {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RuleCompileError(at, `expected a finite number, got ${JSON.stringify(value)}`);
  }
  return sql<number>`${value}::float8`;
}

/** An instant in SQL; beyond what timestamptz holds, an infinity that orders the same way. */
function instantParam(ms: number): RawBuilder<Date> {
  if (ms < EARLIEST_TIMESTAMP_MS) return sql<Date>`'-infinity'::timestamptz`;
  if (ms > LATEST_TIMESTAMP_MS) return sql<Date>`'infinity'::timestamptz`;
  return sql<Date>`${new Date(ms)}::timestamptz`;
}

/** A date value as the custom operators read it (Date.parse), or null when it does not parse. */
function dateParam(value: unknown, at: string): RawBuilder<Date> | null {
  if (typeof value !== 'string') throw new RuleCompileError(at, `expected an ISO date string, got ${JSON.stringify(value)}`);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : instantParam(ms);
}

function listOf(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new RuleCompileError(at, `expected an array, got ${JSON.stringify(value)}`);
  return value;
}

function boundsOf(value: unknown, at: string): [unknown, unknown] {
  const bounds = listOf(value, at);
  if (bounds.length !== 2) throw new RuleCompileError(at, `expected [low, high], got ${JSON.stringify(value)}`);
  return [bounds[0], bounds[1]];
}

/** A leaf as SQL that is true exactly when json-rules-engine's operator holds (false or NULL otherwise). */
function leafHolds(plan: FactPlan<SqlSubject>, leaf: LeafCondition, at: string): RawBuilder<SqlBool> {
  const use = { fact: leaf.fact, params: leaf.params };
  const definition = checkFactUse(plan.subject, use);
  if (!OPERATORS_BY_TYPE[definition.type].includes(leaf.operator)) {
    throw new RuleCompileError(
      `${at}.operator`,
      `"${leaf.operator}" does not apply to ${definition.type} fact "${leaf.fact}"; use one of ${OPERATORS_BY_TYPE[definition.type].join(', ')}`,
    );
  }
  let fact: RawBuilder<unknown>;
  let comparison: Comparison;
  if (definition.requiresPath) {
    try {
      fact = attributeValue(plan.value(use), leaf.path);
    } catch (error) {
      throw new RuleCompileError(`${at}.path`, error instanceof Error ? error.message : String(error));
    }
    comparison = 'json';
  } else {
    if (leaf.path !== undefined) throw new RuleCompileError(`${at}.path`, `fact "${leaf.fact}" is not read through a path`);
    fact = plan.value(use);
    if (definition.type === 'boolean') throw new RuleCompileError(at, `boolean fact "${leaf.fact}" has no SQL form`);
    comparison = definition.type === 'number' || definition.type === 'date' ? definition.type : 'text';
  }

  const valueAt = `${at}.value`;
  const equatables = () => listOf(leaf.value, valueAt).flatMap((item, i) => equatable(comparison, item, `${valueAt}[${i}]`) ?? []);
  const ordered = (operator: RawBuilder<unknown>) => sql<SqlBool>`${fact} ${operator} ${numberParam(leaf.value, valueAt)}`;
  const whenDate = (date: RawBuilder<Date> | null, holds: (date: RawBuilder<Date>) => RawBuilder<SqlBool>) =>
    date === null ? FALSE : holds(date);

  switch (leaf.operator) {
    case 'isKnown':
      return sql<SqlBool>`${fact} is not null`;
    case 'isUnknown':
      return sql<SqlBool>`${fact} is null`;
    case 'equal': {
      const value = equatable(comparison, leaf.value, valueAt);
      return value === null ? FALSE : sql<SqlBool>`${fact} = ${value}`;
    }
    case 'notEqual': {
      const value = equatable(comparison, leaf.value, valueAt);
      return value === null ? TRUE : sql<SqlBool>`${fact} is distinct from ${value}`;
    }
    case 'in': {
      const values = equatables();
      return values.length === 0 ? FALSE : sql<SqlBool>`${fact} in (${sql.join(values)})`;
    }
    case 'notIn': {
      const values = equatables();
      return values.length === 0 ? TRUE : sql<SqlBool>`(${fact} is null or ${fact} not in (${sql.join(values)}))`;
    }
    case 'lessThan':
      return ordered(sql`<`);
    case 'lessThanInclusive':
      return ordered(sql`<=`);
    case 'greaterThan':
      return ordered(sql`>`);
    case 'greaterThanInclusive':
      return ordered(sql`>=`);
    case 'between': {
      const [low, high] = boundsOf(leaf.value, valueAt);
      if (comparison === 'number') {
        return sql<SqlBool>`(${fact} >= ${numberParam(low, `${valueAt}[0]`)} and ${fact} <= ${numberParam(high, `${valueAt}[1]`)})`;
      }
      const from = dateParam(low, `${valueAt}[0]`);
      const to = dateParam(high, `${valueAt}[1]`);
      return from === null || to === null ? FALSE : sql<SqlBool>`(${fact} >= ${from} and ${fact} <= ${to})`;
    }
    case 'before':
      return whenDate(dateParam(leaf.value, valueAt), (date) => sql<SqlBool>`${fact} < ${date}`);
    case 'after':
      return whenDate(dateParam(leaf.value, valueAt), (date) => sql<SqlBool>`${fact} > ${date}`);
    case 'inLastDays': {
      const days = daysOf(leaf.value, valueAt);
      const now = plan.settings.now.getTime();
      return sql<SqlBool>`(${fact} >= ${instantParam(now - days * DAY_MS)} and ${fact} <= ${instantParam(now)})`;
    }
    case 'moreThanDaysAgo': {
      const days = daysOf(leaf.value, valueAt);
      return sql<SqlBool>`${fact} < ${instantParam(plan.settings.now.getTime() - days * DAY_MS)}`;
    }
    default:
      throw new RuleCompileError(`${at}.operator`, `operator "${leaf.operator}" has no SQL form`);
  }
}

function daysOf(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RuleCompileError(at, `expected a number of days, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * SQL that is true exactly when the condition holds (when `holds`) or exactly when it does not
 * (when not): `not` flips the polarity instead of negating SQL that may be NULL.
 */
function compileCondition(
  plan: FactPlan<SqlSubject>,
  condition: unknown,
  at: string,
  holds: boolean,
): RawBuilder<SqlBool> {
  const node = nodeOf(condition, at);
  if (node.kind === 'not') return compileCondition(plan, node.child, `${at}.not`, !holds);
  if (node.kind === 'leaf') {
    const leaf = leafHolds(plan, node.leaf, at);
    return holds ? leaf : sql<SqlBool>`(${leaf}) is not true`;
  }
  const children = node.children.map((child, i) => compileCondition(plan, child, `${at}.${node.kind}[${i}]`, holds));
  if (children.length === 0) return holds ? TRUE : FALSE;
  if (children.length === 1 && children[0]) return children[0];
  // not(all) is any(not), not(any) is all(not).
  const conjunction = (node.kind === 'all') === holds;
  return sql<SqlBool>`(${sql.join(children, conjunction ? sql` and ` : sql` or `)})`;
}

/**
 * The conditions as a NOT NULL boolean over a plan's rows, for a select list, a CASE or to be
 * negated. The plan must include factUsesOf(conditions).
 */
export function conditionHolds(plan: FactPlan<SqlSubject>, conditions: Condition): RawBuilder<SqlBool> {
  return sql<SqlBool>`coalesce(${compileCondition(plan, conditions, '$', true)}, false)`;
}

export interface MatchOptions {
  /** Only these users or accounts (e.g. the ones an ingest batch touched). */
  ids?: readonly number[];
}

/**
 * One query selecting the ids (`id`) of the subject's rows the conditions hold for, to run or to
 * embed (e.g. `insert into list_members … select`).
 */
export function matchingIdsQuery(
  db: Kysely<Database>,
  subject: SqlSubject,
  conditions: Condition,
  settings: FactSettings,
  options: MatchOptions = {},
): SelectQueryBuilder<SubjectDatabase, 'u' | 'a', { id: number }> {
  const plan: FactPlan<SqlSubject> = planFacts(subject, factUsesOf(subject, conditions), settings);
  // In WHERE a NULL is as good as false, so the polarity-exact form needs no coalesce.
  let query = (plan.rows(db) as SelectQueryBuilder<SubjectDatabase, 'u' | 'a', {}>)
    .select(plan.id.as('id'))
    .where(compileCondition(plan, conditions, '$', true));
  if (options.ids) query = query.where(sql<SqlBool>`${plan.id} = any(${[...options.ids]}::int[])`);
  return query;
}

/** The ids of the users the conditions hold for, ascending. */
export async function selectMatchingUserIds(
  db: Kysely<Database>,
  conditions: Condition,
  settings: FactSettings,
  options: MatchOptions = {},
): Promise<number[]> {
  const rows = await matchingIdsQuery(db, 'user', conditions, settings, options).orderBy('id').execute();
  return rows.map((row) => row.id);
}

/** The ids of the accounts the conditions hold for, ascending. */
export async function selectMatchingAccountIds(
  db: Kysely<Database>,
  conditions: Condition,
  settings: FactSettings,
  options: MatchOptions = {},
): Promise<number[]> {
  const rows = await matchingIdsQuery(db, 'account', conditions, settings, options).orderBy('id').execute();
  return rows.map((row) => row.id);
}
