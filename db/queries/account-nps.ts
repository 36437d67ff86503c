import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../database.ts';
import type { CountingMode } from '../../nps/counts.ts';
import { resolveWindow, STANDARD_WINDOWS } from '../../nps/windows.ts';
import type { AccountNpsSnapshot } from '../tables/account-nps-snapshots.ts';

/** A half-open interval [start, end) with a stable key, as nps/windows resolves it. */
export interface WindowBounds {
  key: string;
  start: Date;
  end: Date;
}

export interface AccountNpsFigures {
  account_id: number;
  window_key: string;
  window_start: Date;
  window_end: Date;
  promoters: number;
  passives: number;
  detractors: number;
  total: number;
  nps: number | null;
  margin_of_error: number | null;
  sources: string[];
  last_response_at: Date | null;
}

/**
 * Account NPS for every (account, window) pair in one grouped statement. Excluded responses
 * never count; with `latest_per_user` only each user's latest response in a window counts.
 * NPS and the adjusted-Wald margin (nps-maths.md) are computed in SQL so the snapshot refresh
 * is a single statement; test/db/account-nps.test.ts checks them against nps/.
 */
function accountNpsFigures(windows: WindowBounds[], accountIds: number[] | 'all', counting: CountingMode): RawBuilder<AccountNpsFigures> {
  const onlyAccounts = (column: RawBuilder<unknown>) =>
    accountIds === 'all' ? sql`true` : sql`${column} = any(${accountIds}::int[])`;
  const counted = counting === 'every_response' ? countEveryResponse(windows, onlyAccounts) : countLatestPerUser(windows, onlyAccounts);
  return sql<AccountNpsFigures>`
    with counted as (${counted}),
    windows as (
      select * from unnest(
        ${windows.map((w) => w.key)}::text[],
        ${windows.map((w) => w.start.toISOString())}::timestamptz[],
        ${windows.map((w) => w.end.toISOString())}::timestamptz[]
      ) as t(key, starts_at, ends_at)
    ),
    adjusted as (
      select a.id as account_id, w.key, w.starts_at, w.ends_at,
        coalesce(c.promoters, 0) as promoters, coalesce(c.passives, 0) as passives,
        coalesce(c.detractors, 0) as detractors, coalesce(c.total, 0) as total,
        coalesce(c.sources, '{}'::text[]) as sources, c.last_response_at,
        (coalesce(c.promoters, 0) + 0.75) / (coalesce(c.total, 0) + 3.0) as p,
        (coalesce(c.detractors, 0) + 0.75) / (coalesce(c.total, 0) + 3.0) as d
      from accounts a
      cross join windows w
      left join counted c on c.account_id = a.id and c.key = w.key
      where ${onlyAccounts(sql.ref('a.id'))}
    )
    select account_id, key as window_key, starts_at as window_start, ends_at as window_end,
      promoters, passives, detractors, total, sources, last_response_at,
      case when total > 0 then (100.0 * (promoters - detractors) / total)::float8 end as nps,
      case when total > 0 then (196.0 * sqrt((p + d - (p - d) ^ 2) / (total + 3.0)))::float8 end as margin_of_error
    from adjusted
  `;
}

type AccountFilter = (column: RawBuilder<unknown>) => RawBuilder<unknown>;

/**
 * Every response counts: one pass over the responses, grouped by account and source with a
 * filtered count per window, then folded per account. Grouping by source first keeps the
 * list of sources from needing a sort per window.
 */
function countEveryResponse(windows: WindowBounds[], onlyAccounts: AccountFilter): RawBuilder<unknown> {
  const inWindow = (w: WindowBounds) => sql`r.responded_at >= ${w.start} and r.responded_at < ${w.end}`;
  const perWindow = windows.map(
    (w, i) => sql`
      count(*) filter (where ${inWindow(w)} and r.category = 'promoter') as ${sql.id(`p${i}`)},
      count(*) filter (where ${inWindow(w)} and r.category = 'passive') as ${sql.id(`n${i}`)},
      count(*) filter (where ${inWindow(w)} and r.category = 'detractor') as ${sql.id(`d${i}`)},
      max(r.responded_at) filter (where ${inWindow(w)}) as ${sql.id(`l${i}`)}`,
  );
  const unpivot = windows.map(
    (w, i) => sql`(${w.key}::text, ${sql.ref(`s.p${i}`)}, ${sql.ref(`s.n${i}`)}, ${sql.ref(`s.d${i}`)}, ${sql.ref(`s.l${i}`)})`,
  );
  const earliest = new Date(Math.min(...windows.map((w) => w.start.getTime())));
  const latest = new Date(Math.max(...windows.map((w) => w.end.getTime())));
  return sql`
    select s.account_id, v.key,
      sum(v.promoters)::int as promoters, sum(v.passives)::int as passives, sum(v.detractors)::int as detractors,
      sum(v.promoters + v.passives + v.detractors)::int as total,
      array_agg(s.source order by s.source) filter (where v.promoters + v.passives + v.detractors > 0) as sources,
      max(v.last_response_at) as last_response_at
    from (
      select r.account_id, r.source, ${sql.join(perWindow)}
      from nps_responses r
      where not r.excluded and r.responded_at >= ${earliest} and r.responded_at < ${latest} and ${onlyAccounts(sql.ref('r.account_id'))}
      group by r.account_id, r.source
    ) s
    cross join lateral (values ${sql.join(unpivot)}) as v(key, promoters, passives, detractors, last_response_at)
    group by s.account_id, v.key
  `;
}

/** Each user's latest response per window: a window function, so responses are joined to each window. */
function countLatestPerUser(windows: WindowBounds[], onlyAccounts: AccountFilter): RawBuilder<unknown> {
  return sql`
    select account_id, key,
      count(*) filter (where category = 'promoter')::int as promoters,
      count(*) filter (where category = 'passive')::int as passives,
      count(*) filter (where category = 'detractor')::int as detractors,
      count(*)::int as total,
      array_agg(distinct source order by source) as sources,
      max(responded_at) as last_response_at
    from (
      select r.account_id, w.key, r.category, r.source, r.responded_at,
        row_number() over (partition by w.key, r.user_id order by r.responded_at desc, r.id desc) as nth
      from nps_responses r
      join unnest(
        ${windows.map((w) => w.key)}::text[],
        ${windows.map((w) => w.start.toISOString())}::timestamptz[],
        ${windows.map((w) => w.end.toISOString())}::timestamptz[]
      ) as w(key, starts_at, ends_at) on r.responded_at >= w.starts_at and r.responded_at < w.ends_at
      where not r.excluded and ${onlyAccounts(sql.ref('r.account_id'))}
    ) latest
    where nth = 1
    group by account_id, key
  `;
}

/** Figures computed now, for any windows (custom ranges included), without touching snapshots. */
export async function computeAccountNps(
  db: Kysely<Database>,
  windows: WindowBounds[],
  accountIds: number[] | 'all',
  counting: CountingMode,
): Promise<AccountNpsFigures[]> {
  if (windows.length === 0 || (accountIds !== 'all' && accountIds.length === 0)) return [];
  const { rows } = await sql<AccountNpsFigures>`
    select * from (${accountNpsFigures(windows, accountIds, counting)}) f order by account_id, window_key
  `.execute(db);
  return rows;
}

/**
 * Recomputes the stored snapshots of these accounts (or all) in one grouped statement:
 * the account grid then reads its NPS column without a scan. Returns the rows written.
 */
export async function refreshAccountNpsSnapshots(
  db: Kysely<Database>,
  windows: WindowBounds[],
  accountIds: number[] | 'all',
  counting: CountingMode,
  computedAt: Date,
): Promise<number> {
  if (windows.length === 0 || (accountIds !== 'all' && accountIds.length === 0)) return 0;
  const result = await sql`
    insert into account_nps_snapshots
      (account_id, window_key, window_start, window_end, counting, promoters, passives, detractors,
       total, nps, margin_of_error, sources, last_response_at, computed_at)
    select account_id, window_key, window_start, window_end, ${counting}, promoters, passives, detractors,
       total, nps, margin_of_error, sources, last_response_at, ${computedAt}
    from (${accountNpsFigures(windows, accountIds, counting)}) f
    on conflict (account_id, window_key) do update set
      window_start = excluded.window_start, window_end = excluded.window_end, counting = excluded.counting,
      promoters = excluded.promoters, passives = excluded.passives, detractors = excluded.detractors,
      total = excluded.total, nps = excluded.nps, margin_of_error = excluded.margin_of_error,
      sources = excluded.sources, last_response_at = excluded.last_response_at, computed_at = excluded.computed_at
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface NpsSettings {
  now: Date;
  timeZone: string;
  counting: CountingMode;
}

/** Refreshes the standard windows (this month … year to date) of the accounts a change touched. */
export async function refreshStandardSnapshots(
  db: Kysely<Database>,
  accountIds: number[] | 'all',
  { now, timeZone, counting }: NpsSettings,
): Promise<number> {
  const windows = STANDARD_WINDOWS.map((window) => resolveWindow(window, { now, timeZone }));
  return refreshAccountNpsSnapshots(db, windows, accountIds, counting, now);
}

export async function accountNpsSnapshots(db: Kysely<Database>, accountId: number): Promise<AccountNpsSnapshot[]> {
  return db.selectFrom('account_nps_snapshots').selectAll().where('account_id', '=', accountId).orderBy('window_key').execute();
}

/** When each source last delivered: account NPS shows how fresh its figures are. */
export async function lastSyncedBySource(db: Kysely<Database>, sources: string[]): Promise<Map<string, Date>> {
  if (sources.length === 0) return new Map();
  const rows = await db
    .selectFrom('source_sync_state')
    .select(['source', 'last_synced_at'])
    .where('source', 'in', sources)
    .execute();
  return new Map(rows.map((r) => [r.source, r.last_synced_at]));
}
