import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import type { AccountHealthChange } from '../tables/account-health-changes.ts';
import type { AccountHealth, HealthColour, HealthDimension } from '../tables/account-health.ts';

export interface HealthResult {
  accountId: number;
  dimension: HealthDimension;
  colour: HealthColour;
  /** The reasons of the criterion that gave the colour. */
  reasons: string[];
  ruleId: number;
  ruleVersion: number;
}

/**
 * Stores the accounts' current colours in one statement and records a change for each account
 * whose colour differs from the stored one (a first colour is a change from null). A result
 * older than the stored one is ignored, so a late retry cannot bring back a past colour.
 * Returns the changes, by account and dimension.
 */
export async function recordHealth(db: Kysely<Database>, results: HealthResult[], at: Date): Promise<AccountHealthChange[]> {
  if (results.length === 0) return [];
  const seen = new Set<string>();
  for (const r of results) {
    const key = `${r.accountId}/${r.dimension}`;
    if (seen.has(key)) throw new Error(`recordHealth: account ${r.accountId} has two ${r.dimension} results in one call`);
    seen.add(key);
  }
  // All parts of the statement see the table as it was before it, so `previous` holds the old colours.
  const { rows } = await sql<AccountHealthChange>`
    with input as (
      select account_id, dimension, colour, reasons::jsonb as reasons, rule_id, rule_version
      from unnest(
        ${results.map((r) => r.accountId)}::int[],
        ${results.map((r) => r.dimension)}::text[],
        ${results.map((r) => r.colour)}::text[],
        ${results.map((r) => JSON.stringify(r.reasons))}::text[],
        ${results.map((r) => r.ruleId)}::int[],
        ${results.map((r) => r.ruleVersion)}::int[]
      ) as t(account_id, dimension, colour, reasons, rule_id, rule_version)
    ),
    previous as (
      select h.account_id, h.dimension, h.colour
      from account_health h
      join input i on i.account_id = h.account_id and i.dimension = h.dimension
    ),
    stored as (
      insert into account_health (account_id, dimension, colour, reasons, rule_id, rule_version, computed_at)
      select account_id, dimension, colour, reasons, rule_id, rule_version, ${at} from input
      on conflict (account_id, dimension) do update set
        colour = excluded.colour, reasons = excluded.reasons, rule_id = excluded.rule_id,
        rule_version = excluded.rule_version, computed_at = excluded.computed_at
      where account_health.computed_at <= excluded.computed_at
      returning account_id, dimension, colour, reasons, rule_id, rule_version
    ),
    changes as (
      insert into account_health_changes (account_id, dimension, from_colour, to_colour, reasons, rule_id, rule_version, changed_at)
      select s.account_id, s.dimension, p.colour, s.colour, s.reasons, s.rule_id, s.rule_version, ${at}
      from stored s
      left join previous p on p.account_id = s.account_id and p.dimension = s.dimension
      where p.colour is distinct from s.colour
      order by s.account_id, s.dimension
      returning *
    )
    select * from changes order by account_id, dimension
  `.execute(db);
  return rows;
}

/** The account's current colour in each dimension that has one. */
export async function accountHealth(db: Kysely<Database>, accountId: number): Promise<AccountHealth[]> {
  return db.selectFrom('account_health').selectAll().where('account_id', '=', accountId).orderBy('dimension').execute();
}

/** The current colours of many accounts at once (the grid's page), by account id. */
export async function currentHealthOf(db: Kysely<Database>, accountIds: readonly number[]): Promise<Map<number, AccountHealth[]>> {
  const byAccount = new Map<number, AccountHealth[]>();
  if (accountIds.length === 0) return byAccount;
  const rows = await db.selectFrom('account_health').selectAll().where('account_id', 'in', accountIds).orderBy('account_id').orderBy('dimension').execute();
  for (const row of rows) byAccount.set(row.account_id, [...(byAccount.get(row.account_id) ?? []), row]);
  return byAccount;
}

/**
 * Colour changes in the order they happened, of one account or all, from `since` on.
 * Paged by keyset: pass the last change of a page as `after` to get the next.
 */
export async function healthChanges(
  db: Kysely<Database>,
  filter: { accountId?: number; since?: Date; limit: number; after?: Pick<AccountHealthChange, 'changed_at' | 'id'> },
): Promise<AccountHealthChange[]> {
  let query = db
    .selectFrom('account_health_changes')
    .selectAll()
    .orderBy('changed_at')
    .orderBy('id')
    .limit(Math.min(filter.limit, 1_000));
  if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
  if (filter.since) query = query.where('changed_at', '>=', filter.since);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('changed_at', '>', after.changed_at), eb.and([eb('changed_at', '=', after.changed_at), eb('id', '>', after.id)])]),
    );
  }
  return query.execute();
}

/** A current colour with the name of the rule that gave it. */
export type AccountHealthView = AccountHealth & { rule_name: string };

/** The account's current colour in each dimension that has one, with the rule's name. */
export async function accountHealthWithRules(db: Kysely<Database>, accountId: number): Promise<AccountHealthView[]> {
  return db
    .selectFrom('account_health as h')
    .innerJoin('rules as r', 'r.id', 'h.rule_id')
    .selectAll('h')
    .select('r.name as rule_name')
    .where('h.account_id', '=', accountId)
    .orderBy('h.dimension')
    .execute();
}

/** A colour change with the name of the rule that made it. */
export type AccountHealthChangeView = AccountHealthChange & { rule_name: string };

/** The account's latest colour changes, newest first. */
export async function latestHealthChanges(db: Kysely<Database>, accountId: number, limit: number): Promise<AccountHealthChangeView[]> {
  return db
    .selectFrom('account_health_changes as c')
    .innerJoin('rules as r', 'r.id', 'c.rule_id')
    .selectAll('c')
    .select('r.name as rule_name')
    .where('c.account_id', '=', accountId)
    .orderBy('c.changed_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(Math.min(limit, 1_000))
    .execute();
}
