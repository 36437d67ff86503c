import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { conditionHolds, factUsesOf, matchingIdsQuery } from './compile-sql.ts';
import type { Condition } from '../rules/condition-schema.ts';
import { type FactSettings, planFacts } from './fact-sql.ts';
import type { HealthRule } from '../rules/rule-schema.ts';
import type { Database } from '../db/database.ts';

/*
 * What a rule dry run reads: who a rule would select now, computed by the compiled SQL over
 * everyone (nothing is filtered in Node), one page at a time by keyset on the id.
 */

export interface IdPage {
  limit: number;
  /** The last id of the previous page. */
  afterId?: number;
}

export interface MatchedUser {
  id: number;
  email: string;
  name: string | null;
  account_id: number;
  account_name: string;
}

/** How many users the conditions hold for now, and one page of them by id. */
export async function matchingUsersPage(
  db: Kysely<Database>,
  conditions: Condition,
  settings: FactSettings,
  page: IdPage,
): Promise<{ total: number; users: MatchedUser[] }> {
  const matching = matchingIdsQuery(db, 'user', conditions, settings);
  const counted = await db
    .selectFrom(matching.as('m'))
    .select(sql<number>`count(*)::int`.as('total'))
    .executeTakeFirstOrThrow();
  let users = db
    .selectFrom(matching.as('m'))
    .innerJoin('users as u', 'u.id', 'm.id')
    .innerJoin('accounts as a', 'a.id', 'u.account_id')
    .select(['u.id', 'u.email', 'u.name', 'u.account_id', 'a.name as account_name'])
    .orderBy('u.id')
    .limit(page.limit);
  if (page.afterId !== undefined) users = users.where('u.id', '>', page.afterId);
  return { total: counted.total, users: await users.execute() };
}

export interface ColouredAccount {
  id: number;
  external_id: string;
  name: string;
  /** The index of the first criterion that holds; null when none does. */
  criterion_index: number | null;
}

/**
 * The index of the first of the rule's criteria that holds for an account, as SQL over a plan's
 * rows: the order in which json-rules-engine's evaluation (compileHealthRule) picks the colour.
 */
function firstHoldingCriterion(rule: HealthRule, holds: (conditions: Condition) => RawBuilder<SqlBool>): RawBuilder<number | null> {
  const whens: RawBuilder<unknown>[] = [];
  for (const [index, criterion] of rule.criteria.entries()) {
    // An unconditional criterion is the last one (validate-rule checks it): the "otherwise".
    if (criterion.conditions === undefined) {
      return whens.length === 0 ? sql<number>`${index}::int` : sql<number>`case ${sql.join(whens, sql` `)} else ${index}::int end`;
    }
    whens.push(sql`when ${holds(criterion.conditions)} then ${index}::int`);
  }
  return sql<number | null>`case ${sql.join(whens, sql` `)} else null::int end`;
}

/**
 * Every account's criterion under a health rule now: how many accounts each criterion (or none)
 * takes, and one page of accounts by id.
 */
export async function healthCriteriaPage(
  db: Kysely<Database>,
  rule: HealthRule,
  settings: FactSettings,
  page: IdPage,
): Promise<{ counts: { criterion_index: number | null; accounts: number }[]; accounts: ColouredAccount[] }> {
  const uses = rule.criteria.flatMap((criterion) => (criterion.conditions ? factUsesOf('account', criterion.conditions) : []));
  const plan = planFacts('account', uses, settings);
  const criterion = firstHoldingCriterion(rule, (conditions) => conditionHolds(plan, conditions));
  const rows = () =>
    plan
      .rows(db)
      .select([plan.id.as('id'), sql.ref<string>('a.external_id').as('external_id'), sql.ref<string>('a.name').as('name'), criterion.as('criterion_index')]);
  const counts = await db
    .selectFrom(rows().as('c'))
    .select(['c.criterion_index', sql<number>`count(*)::int`.as('accounts')])
    .groupBy('c.criterion_index')
    .orderBy('c.criterion_index')
    .execute();
  let accounts = db.selectFrom(rows().as('c')).selectAll().orderBy('c.id').limit(page.limit);
  if (page.afterId !== undefined) accounts = accounts.where('c.id', '>', page.afterId);
  return { counts, accounts: (await accounts.execute()) as ColouredAccount[] };
}

/** The id of the response the user gave last (responded_at, then id), or null when they never answered. */
export async function latestResponseIdOfUser(db: Kysely<Database>, userId: number): Promise<number | null> {
  const row = await db
    .selectFrom('nps_responses')
    .select('id')
    .where('user_id', '=', userId)
    .orderBy('responded_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

