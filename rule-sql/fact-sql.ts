import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { CountingMode } from '../nps/counts.ts';
import { parseWindowKey, type ResolvedWindow, resolveWindow } from '../nps/windows.ts';
import { FACT_CATALOGUE, type FactDefinition } from '../rules/fact-catalogue.ts';

/**
 * The SQL value of every fact of the `user` and `account` subjects, over one base row: `users u`
 * (with `accounts a` joined when a fact reads the account) or `accounts a`. The SQL compiler and
 * the per-entity fact loader both read facts through a FactPlan, so a list computed in SQL and a
 * membership explained by json-rules-engine see the same values.
 *
 * What the facts count:
 * - A user's latest response, and their responseCount, include excluded responses: the user did
 *   answer, and exclusion only keeps a response out of NPS. The latest is the one given last
 *   (responded_at desc, then id desc).
 * - NPS facts (accountNps, nps, and the account's responseCount, promoterCount, detractorCount and
 *   lastRespondedAt) are the account NPS figures of db/queries/account-nps.ts: excluded responses
 *   never count, windows are [start, end) as nps/windows resolves them, and with `latest_per_user`
 *   only each user's latest response in the window counts. NPS is NULL (unknown) with no response.
 * - Unknown is SQL NULL: a missing latest response, no open ticket for oldestOpenTicketAgeDays, no
 *   health row, a JSON null or missing custom attribute.
 */

/** The subjects a rule is compiled to SQL for; response_event rules run per event only. */
export type SqlSubject = 'user' | 'account';

export interface FactSettings {
  /** The instant windows, day counts and ticket ages are measured from. */
  now: Date;
  /** The zone windows resolve in (month and quarter edges). */
  timeZone: string;
  /** How account NPS counts responses; every_response unless the instance says otherwise. */
  counting?: CountingMode;
}

/** A fact as a rule uses it: its name and params. A path is applied by the compiler, not here. */
export interface FactUse {
  fact: string;
  params?: Record<string, unknown> | undefined;
}

/** The database as the base rows see it: `users` as `u`, `accounts` as `a`. */
export type SubjectDatabase = Database & { u: Database['users']; a: Database['accounts'] };
type BaseAlias<S extends SqlSubject> = S extends 'user' ? 'u' : 'a';
/** The subject's base rows (`u` or `a`) with the joins a plan's facts read. */
export type SubjectRows<S extends SqlSubject> = SelectQueryBuilder<SubjectDatabase, BaseAlias<S>, {}>;

export interface FactPlan<S extends SqlSubject> {
  subject: S;
  /** What the plan was built for: conditions over its rows are compiled with the same `now`. */
  settings: FactSettings;
  /** `u.id` or `a.id`. */
  id: RawBuilder<number>;
  /** The base rows with every source the planned facts need joined, and nothing else. */
  rows(db: Kysely<Database>): SubjectRows<S>;
  /** The SQL value of a planned fact; for a fact read through a path, the whole JSON object. */
  value(use: FactUse): RawBuilder<unknown>;
}

/** What a fact implementation may ask of the plan being built. */
interface PlanBuilder {
  settings: FactSettings;
  /** The user's account id (`u.account_id`) or the account's id (`a.id`). */
  accountId: RawBuilder<number>;
  /** `u` itself; only facts of the user subject ask for it. */
  user(column: string): RawBuilder<unknown>;
  /** A column of the account row; joins `accounts a` for the user subject. */
  account(column: string): RawBuilder<unknown>;
  /** Joins a lateral subquery once per key and returns a reader of its columns. */
  lateral(key: string, body: () => RawBuilder<unknown>): (column: string) => RawBuilder<unknown>;
}

type FactSql = (params: Record<string, unknown>, plan: PlanBuilder) => RawBuilder<unknown>;

function windowOf(params: Record<string, unknown>, { now, timeZone }: FactSettings): ResolvedWindow {
  return resolveWindow(parseWindowKey(String(params.window)), { now, timeZone });
}

/** The user's latest response, excluded or not. */
function latestResponse(plan: PlanBuilder) {
  return plan.lateral(
    'latest_response',
    () => sql`select r.score, r.category, r.responded_at from nps_responses r
      where r.user_id = ${plan.user('id')} order by r.responded_at desc, r.id desc limit 1`,
  );
}

/** The account's NPS figures in a window, as db/queries/account-nps.ts counts them. */
function accountNps(params: Record<string, unknown>, plan: PlanBuilder) {
  const window = windowOf(params, plan.settings);
  const counting = plan.settings.counting ?? 'every_response';
  return plan.lateral(`account_nps:${counting}:${window.key}`, () => {
    const counted = sql`r.account_id = ${plan.accountId} and not r.excluded
      and r.responded_at >= ${window.start}::timestamptz and r.responded_at < ${window.end}::timestamptz`;
    const responses =
      counting === 'every_response'
        ? sql`select r.category from nps_responses r where ${counted}`
        : sql`select distinct on (r.user_id) r.category from nps_responses r where ${counted}
            order by r.user_id, r.responded_at desc, r.id desc`;
    return sql`select promoters, detractors, total,
        case when total > 0 then (100.0 * (promoters - detractors) / total)::float8 end as nps
      from (
        select count(*) filter (where c.category = 'promoter')::int as promoters,
          count(*) filter (where c.category = 'detractor')::int as detractors,
          count(*)::int as total
        from (${responses}) c
      ) figures`;
  });
}

function accountNpsFigure(figure: 'promoters' | 'detractors' | 'total' | 'nps'): FactSql {
  return (params, plan) => accountNps(params, plan)(figure);
}

function accountHealth(params: Record<string, unknown>, plan: PlanBuilder) {
  return sql`(select h.colour from account_health h
    where h.account_id = ${plan.accountId} and h.dimension = ${String(params.dimension)}::text)`;
}

/** Tickets open or pending. */
function openTickets(plan: PlanBuilder) {
  return plan.lateral(
    'open_tickets',
    () => sql`select count(*)::int as open, count(*) filter (where t.priority = 'critical')::int as open_critical,
        min(t.opened_at) as oldest_opened_at
      from tickets t where t.account_id = ${plan.accountId} and t.status in ('open', 'pending')`,
  );
}

const DAY_SECONDS = 86_400;

const FACT_SQL: Record<SqlSubject, Record<string, FactSql>> = {
  user: {
    latestScore: (_, plan) => latestResponse(plan)('score'),
    latestCategory: (_, plan) => latestResponse(plan)('category'),
    latestRespondedAt: (_, plan) => latestResponse(plan)('responded_at'),
    responseCount: (params, plan) => {
      const window = windowOf(params, plan.settings);
      return plan.lateral(
        `user_responses:${window.key}`,
        () => sql`select count(*)::int as responses from nps_responses r
          where r.user_id = ${plan.user('id')}
            and r.responded_at >= ${window.start}::timestamptz and r.responded_at < ${window.end}::timestamptz`,
      )('responses');
    },
    email: (_, plan) => plan.user('email'),
    role: (_, plan) => plan.user('role'),
    persona: (_, plan) => plan.user('persona'),
    accountSegment: (_, plan) => plan.account('segment'),
    accountNps: accountNpsFigure('nps'),
    accountHealth,
    attributes: (_, plan) => plan.user('attributes'),
    accountAttributes: (_, plan) => plan.account('attributes'),
  },
  account: {
    nps: accountNpsFigure('nps'),
    responseCount: accountNpsFigure('total'),
    promoterCount: accountNpsFigure('promoters'),
    detractorCount: accountNpsFigure('detractors'),
    lastRespondedAt: (_, plan) =>
      sql`(select max(r.responded_at) from nps_responses r where r.account_id = ${plan.accountId} and not r.excluded)`,
    segment: (_, plan) => plan.account('segment'),
    openTicketCount: (_, plan) => openTickets(plan)('open'),
    openCriticalTicketCount: (_, plan) => openTickets(plan)('open_critical'),
    oldestOpenTicketAgeDays: (_, plan) =>
      sql`floor(extract(epoch from (${plan.settings.now}::timestamptz - ${openTickets(plan)('oldest_opened_at')})) / ${DAY_SECONDS})::int`,
    attributes: (_, plan) => plan.account('attributes'),
  },
};

/**
 * The user facts that read the account's derived figures (its NPS, its health colour): a response
 * from any user of the account can move them for every user of it.
 */
export const ACCOUNT_FIGURE_USER_FACTS: ReadonlySet<string> = new Set(['accountNps', 'accountHealth']);

function sqlFact(subject: SqlSubject, fact: string): { definition: FactDefinition; factSql: FactSql } {
  const definition = Object.hasOwn(FACT_CATALOGUE[subject], fact) ? FACT_CATALOGUE[subject][fact] : undefined;
  const factSql = Object.hasOwn(FACT_SQL[subject], fact) ? FACT_SQL[subject][fact] : undefined;
  if (!definition || !factSql) {
    throw new RangeError(`unknown fact "${fact}" for ${subject} rules; known: ${Object.keys(FACT_SQL[subject]).join(', ')}`);
  }
  return { definition, factSql };
}

/**
 * Checks that the subject has the fact in SQL and that the use's params fit it (windows and
 * dimensions reach SQL only as parameters); returns the fact's catalogue entry.
 */
export function checkFactUse(subject: SqlSubject, use: FactUse): FactDefinition {
  const { definition } = sqlFact(subject, use.fact);
  paramsOf(definition, use);
  return definition;
}

function paramsOf(definition: FactDefinition, use: FactUse): Record<string, unknown> {
  if (!definition.params) {
    if (use.params !== undefined && Object.keys(use.params).length > 0) {
      throw new RangeError(`fact "${use.fact}" takes no params, got ${JSON.stringify(use.params)}`);
    }
    return {};
  }
  const parsed = definition.params.safeParse(use.params ?? {});
  if (!parsed.success) {
    throw new RangeError(`invalid params ${JSON.stringify(use.params)} for fact "${use.fact}": ${parsed.error.message}`);
  }
  return parsed.data;
}

/** A key that tells uses apart: the fact and its params, keys sorted. */
function useKey(use: FactUse): string {
  const params = use.params ?? {};
  const sorted = Object.keys(params)
    .sort()
    .map((key) => [key, params[key]]);
  return `${use.fact}${JSON.stringify(sorted)}`;
}

/**
 * Plans the facts a rule (or several rules over the same rows) uses: each fact's SQL value, and
 * only the joins those values need. Throws for a fact the subject does not have or bad params.
 */
export function planFacts<S extends SqlSubject>(subject: S, uses: readonly FactUse[], settings: FactSettings): FactPlan<S> {
  const base = subject === 'user' ? 'u' : 'a';
  let joinsAccount = false;
  const laterals = new Map<string, { alias: string; body: RawBuilder<unknown> }>();
  const builder: PlanBuilder = {
    settings,
    accountId: subject === 'user' ? sql.ref<number>('u.account_id') : sql.ref<number>('a.id'),
    user: (column) => sql.ref(`u.${column}`),
    account: (column) => {
      if (subject === 'user') joinsAccount = true;
      return sql.ref(`a.${column}`);
    },
    lateral: (key, body) => {
      let source = laterals.get(key);
      if (!source) {
        source = { alias: `f${laterals.size}`, body: body() };
        laterals.set(key, source);
      }
      const { alias } = source;
      return (column) => sql.ref(`${alias}.${column}`);
    },
  };
  const values = new Map<string, RawBuilder<unknown>>();
  for (const use of uses) {
    const key = useKey(use);
    if (values.has(key)) continue;
    const { definition, factSql } = sqlFact(subject, use.fact);
    values.set(key, factSql(paramsOf(definition, use), builder));
  }

  return {
    subject,
    settings,
    id: sql.ref<number>(`${base}.id`),
    rows(db) {
      let rows =
        subject === 'user'
          ? (db.selectFrom('users as u') as unknown as SelectQueryBuilder<SubjectDatabase, 'u' | 'a', {}>)
          : (db.selectFrom('accounts as a') as unknown as SelectQueryBuilder<SubjectDatabase, 'u' | 'a', {}>);
      if (joinsAccount) rows = rows.innerJoin('accounts as a', 'a.id', 'u.account_id');
      for (const { alias, body } of laterals.values()) {
        // Aggregates always return one row and a missing latest response must keep the base
        // row, so every source is a left join on true.
        rows = rows.leftJoinLateral(sql`(${body})`.as(alias), (join) => join.onTrue()) as unknown as typeof rows;
      }
      return rows as unknown as SubjectRows<S>;
    },
    value(use) {
      const value = values.get(useKey(use));
      if (!value) throw new RangeError(`fact "${use.fact}" with params ${JSON.stringify(use.params ?? {})} is not in this plan`);
      return value;
    },
  };
}

const ATTRIBUTE_PATH = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** The attribute name in a `$.name` path; throws for any other path. */
export function attributeName(path: unknown): string {
  const match = typeof path === 'string' ? ATTRIBUTE_PATH.exec(path) : null;
  if (!match?.[1]) {
    throw new RangeError(`path must name one custom attribute as $.name (letters, digits, _), got ${JSON.stringify(path)}`);
  }
  return match[1];
}

/**
 * One key of a JSON object fact, as json-rules-engine's path reads it: a JSON null or a missing
 * key is SQL NULL (unknown); anything else stays jsonb, so 5 and "5" remain different.
 */
export function attributeValue(object: RawBuilder<unknown>, path: unknown): RawBuilder<unknown> {
  return sql`nullif(${object} -> ${attributeName(path)}::text, 'null'::jsonb)`;
}
