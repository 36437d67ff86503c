import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Condition } from '../rules/condition-schema.ts';
import { factUsesOf } from './compile-sql.ts';
import { factKey, type FactValues } from '../rules/create-engine.ts';
import { type FactSettings, type FactUse, planFacts, type SqlSubject } from './fact-sql.ts';

/**
 * The fact values a rule needs for one user or account, or for all of them page by page, read
 * with the same SQL as the compiled rule (rules/fact-sql.ts) so json-rules-engine sees what the
 * SQL compiler compares. Values come as the database gives them: numbers, strings, Dates, JSON
 * objects for facts read through a path (json-rules-engine applies the path), null for unknown.
 * Keys are create-engine's factKey(fact, params), so the result feeds createEngine/compileRule.
 */

export interface EntityFacts {
  id: number;
  facts: FactValues;
}

/** The conditions' distinct facts, each with the key it is returned under. */
function keyedUses(subject: SqlSubject, conditions: Condition): [key: string, use: FactUse][] {
  const byKey = new Map<string, FactUse>();
  for (const use of factUsesOf(subject, conditions)) byKey.set(factKey(use.fact, use.params), use);
  return [...byKey];
}

interface FactPage {
  afterId?: number;
  limit?: number;
  ids?: readonly number[];
}

async function loadFacts(
  db: Kysely<Database>,
  subject: SqlSubject,
  conditions: Condition,
  settings: FactSettings,
  page: FactPage,
): Promise<EntityFacts[]> {
  const uses = keyedUses(subject, conditions);
  const plan = planFacts(
    subject,
    uses.map(([, use]) => use),
    settings,
  );
  // Columns are named by position: fact keys are not identifiers.
  let query = plan
    .rows(db)
    .select([plan.id.as('id'), ...uses.map(([, use], i) => plan.value(use).as(`v${i}`))])
    .orderBy(plan.id);
  if (page.ids) query = query.where(sql<boolean>`${plan.id} = any(${[...page.ids]}::int[])`);
  if (page.afterId !== undefined) query = query.where(sql<boolean>`${plan.id} > ${page.afterId}`);
  if (page.limit !== undefined) query = query.limit(page.limit);
  const rows = (await query.execute()) as Record<string, unknown>[];
  return rows.map((row) => ({
    id: Number(row.id),
    facts: Object.fromEntries(uses.map(([key], i) => [key, row[`v${i}`]])),
  }));
}

/** The facts the conditions read for one user; undefined when there is no such user. */
export async function loadUserFacts(
  db: Kysely<Database>,
  userId: number,
  conditions: Condition,
  settings: FactSettings,
): Promise<FactValues | undefined> {
  const [row] = await loadFacts(db, 'user', conditions, settings, { ids: [userId] });
  return row?.facts;
}

/** The facts the conditions read for one account; undefined when there is no such account. */
export async function loadAccountFacts(
  db: Kysely<Database>,
  accountId: number,
  conditions: Condition,
  settings: FactSettings,
): Promise<FactValues | undefined> {
  const [row] = await loadFacts(db, 'account', conditions, settings, { ids: [accountId] });
  return row?.facts;
}

export interface FactPagesOptions {
  /** Rows per query; each page is one keyset-paged query (by id). */
  pageSize?: number;
  /** Only these ids. */
  ids?: readonly number[];
}

/** The facts of every user (or of `ids`), in pages ordered by id. */
export function userFactPages(
  db: Kysely<Database>,
  conditions: Condition,
  settings: FactSettings,
  options: FactPagesOptions = {},
): AsyncGenerator<EntityFacts[]> {
  return factPages(db, 'user', conditions, settings, options);
}

/** The facts of every account (or of `ids`), in pages ordered by id. */
export function accountFactPages(
  db: Kysely<Database>,
  conditions: Condition,
  settings: FactSettings,
  options: FactPagesOptions = {},
): AsyncGenerator<EntityFacts[]> {
  return factPages(db, 'account', conditions, settings, options);
}

async function* factPages(
  db: Kysely<Database>,
  subject: SqlSubject,
  conditions: Condition,
  settings: FactSettings,
  { pageSize = 10_000, ids }: FactPagesOptions,
): AsyncGenerator<EntityFacts[]> {
  let afterId: number | undefined;
  for (;;) {
    const page = await loadFacts(db, subject, conditions, settings, { afterId, limit: pageSize, ...(ids ? { ids } : {}) });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]?.id;
  }
}
