import { type Expression, type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { inTransaction } from '../in-transaction.ts';
import type { ListMember } from '../tables/list-members.ts';
import type { ListMembershipEvent } from '../tables/list-membership-events.ts';
import type { Rule } from '../tables/rules.ts';

export class NotAListRuleError extends Error {
  override readonly name = 'NotAListRuleError';
  constructor(readonly ruleId: number) {
    super(`rule ${ruleId} is not a live list rule: it does not exist, was deleted, or is a health or trigger rule`);
  }
}

export interface ListRefresh {
  /** Users who entered the list, by id. */
  entered: number[];
  /** Users who left it, by id. */
  exited: number[];
  /** Members after the refresh; counted only when the whole list was decided (no `onlyUserIds`). */
  total?: number;
}

/**
 * Makes the list's members those `memberQuery` selects (any query or expression with a
 * `user_id` column, such as a compiled list rule), in one statement: leavers are deleted,
 * newcomers inserted, and each entry and exit recorded at `at`. No user is read into Node.
 * With `onlyUserIds`, only those users' membership is decided (the query should then select
 * among them): an ingest batch refreshes the users it touched without re-deciding everyone else,
 * and without counting the list, which would cost as much as the list is long.
 * The rule row is locked: a whole-list refresh (and a rule change) takes it alone, while
 * refreshes of some users share it, so they run beside each other; two of them never decide
 * the same user at once, and if they did the primary key would refuse the second entry.
 */
export async function replaceListMembers(
  db: Kysely<Database>,
  ruleId: number,
  memberQuery: Expression<{ user_id: number }>,
  at: Date,
  { onlyUserIds }: { onlyUserIds?: readonly number[] } = {},
): Promise<ListRefresh> {
  return inTransaction(db, async (trx) => {
    const rule = await trx
      .selectFrom('rules')
      .select('id')
      .where('id', '=', ruleId)
      .where('kind', '=', 'list')
      .where('deleted_at', 'is', null)
      .$call((query) => (onlyUserIds ? query.forShare() : query.forUpdate()))
      .executeTakeFirst();
    if (!rule) throw new NotAListRuleError(ruleId);
    const { rows } = await sql<ListRefresh>`
      with wanted as (
        select distinct q.user_id from (${memberQuery}) as q where q.user_id is not null
      ),
      exited as (
        delete from list_members m
        where m.rule_id = ${ruleId}::int and not exists (select 1 from wanted w where w.user_id = m.user_id)
          ${onlyUserIds ? sql`and m.user_id = any(${[...onlyUserIds]}::int[])` : sql``}
        returning m.user_id
      ),
      entered as (
        insert into list_members (rule_id, user_id, since)
        select ${ruleId}::int, w.user_id, ${at}::timestamptz from wanted w
        where not exists (select 1 from list_members m where m.rule_id = ${ruleId}::int and m.user_id = w.user_id)
        returning user_id
      ),
      events as (
        insert into list_membership_events (rule_id, user_id, event, at)
        select ${ruleId}::int, user_id, 'entered', ${at}::timestamptz from entered
        union all
        select ${ruleId}::int, user_id, 'exited', ${at}::timestamptz from exited
      )
      select
        coalesce((select array_agg(user_id order by user_id) from entered), '{}'::int[]) as entered,
        coalesce((select array_agg(user_id order by user_id) from exited), '{}'::int[]) as exited
        ${
          onlyUserIds
            ? sql``
            : sql`, ((select count(*) from list_members where rule_id = ${ruleId}::int)
                - (select count(*) from exited) + (select count(*) from entered))::int as total`
        }
    `.execute(trx);
    const [refresh] = rows;
    if (!refresh) throw new Error('replaceListMembers: the refresh statement returned no row');
    return refresh;
  });
}

/** The list's members by user id, paged by keyset: pass the last user id of a page to get the next. */
export async function listMembers(
  db: Kysely<Database>,
  ruleId: number,
  page: { limit?: number; afterUserId?: number } = {},
): Promise<ListMember[]> {
  let query = db
    .selectFrom('list_members')
    .selectAll()
    .where('rule_id', '=', ruleId)
    .orderBy('user_id')
    .limit(Math.min(page.limit ?? 100, 1_000));
  if (page.afterUserId !== undefined) query = query.where('user_id', '>', page.afterUserId);
  return query.execute();
}

/** The list's entries and exits in the order they happened, paged by keyset on (at, id). */
export async function membershipEvents(
  db: Kysely<Database>,
  ruleId: number,
  page: { limit?: number; after?: Pick<ListMembershipEvent, 'at' | 'id'> } = {},
): Promise<ListMembershipEvent[]> {
  let query = db
    .selectFrom('list_membership_events')
    .selectAll()
    .where('rule_id', '=', ruleId)
    .orderBy('at')
    .orderBy('id')
    .limit(Math.min(page.limit ?? 100, 1_000));
  const after = page.after;
  if (after) {
    query = query.where((eb) => eb.or([eb('at', '>', after.at), eb.and([eb('at', '=', after.at), eb('id', '>', after.id)])]));
  }
  return query.execute();
}

/** The live lists the user is in as of their last refresh, by name, each with when the user last entered it. */
export async function listsOfUser(db: Kysely<Database>, userId: number): Promise<{ rule: Rule; since: Date }[]> {
  const rows = await db
    .selectFrom('list_members as m')
    .innerJoin('rules as r', 'r.id', 'm.rule_id')
    .selectAll('r')
    .select('m.since as member_since')
    .where('m.user_id', '=', userId)
    .where('r.kind', '=', 'list')
    .where('r.deleted_at', 'is', null)
    .orderBy('r.name')
    .execute();
  return rows.map(({ member_since, ...rule }) => ({ rule, since: member_since }));
}

/** The live list rule with this name; undefined when there is none (or the name is another kind's). */
export async function findListRule(db: Kysely<Database>, name: string): Promise<Rule | undefined> {
  return db
    .selectFrom('rules')
    .selectAll()
    .where('name', '=', name)
    .where('kind', '=', 'list')
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export interface ListSummary {
  ruleId: number;
  name: string;
  description: string | null;
  enabled: boolean;
  version: number;
  updatedAt: Date;
  /** Members as of the last refresh; within `ownerCsmIds`' accounts when given. */
  members: number;
}

/** Every live list with its member count, by name. With `ownerCsmIds`, only members on those CSMs' accounts count. */
export async function listSummaries(db: Kysely<Database>, { ownerCsmIds }: { ownerCsmIds?: readonly number[] | undefined } = {}): Promise<ListSummary[]> {
  const { rows } = await sql<ListSummary>`
    select r.id as "ruleId", r.name, r.definition->>'description' as description, r.enabled, r.version,
      r.updated_at as "updatedAt", coalesce(m.members, 0)::int as members
    from rules r
    left join (
      select lm.rule_id, count(*) as members
      from list_members lm
      ${ownerCsmIds === undefined ? sql`` : sql`join users u on u.id = lm.user_id join accounts a on a.id = u.account_id and a.csm_id = any(${[...ownerCsmIds]}::int[])`}
      group by lm.rule_id
    ) m on m.rule_id = r.id
    where r.kind = 'list' and r.deleted_at is null
    order by r.name
  `.execute(db);
  return rows;
}

export interface ListMemberRow {
  userId: number;
  externalId: string;
  email: string;
  name: string | null;
  role: string | null;
  accountId: number;
  accountName: string;
  /** When the user last entered the list. */
  since: Date;
}

/**
 * A page of the list's members as of its last refresh, by email (then id), with how many there
 * are. With `ownerCsmIds`, only members on those CSMs' accounts.
 */
export async function listMembersPage(
  db: Kysely<Database>,
  ruleId: number,
  { limit, offset = 0, ownerCsmIds }: { limit: number; offset?: number; ownerCsmIds?: readonly number[] | undefined },
): Promise<{ total: number; members: ListMemberRow[] }> {
  let members = db
    .selectFrom('list_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('accounts as a', 'a.id', 'u.account_id')
    .where('m.rule_id', '=', ruleId);
  if (ownerCsmIds !== undefined) members = members.where('a.csm_id', 'in', [...ownerCsmIds]);
  const [counted, page] = await Promise.all([
    members.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow(),
    members
      .select(['u.id as userId', 'u.external_id as externalId', 'u.email', 'u.name', 'u.role', 'a.id as accountId', 'a.name as accountName', 'm.since'])
      .orderBy('u.email')
      .orderBy('u.id')
      .limit(limit)
      .offset(offset)
      .execute(),
  ]);
  return { total: Number(counted.total), members: page };
}
