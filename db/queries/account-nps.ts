import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../database.ts';
import { inTransaction } from '../in-transaction.ts';
import type { CountingMode } from '../../nps/counts.ts';
import type { NpsSettingsAt } from '../../nps/nps-settings.ts';
import { resolveWindow, STANDARD_WINDOWS } from '../../nps/windows.ts';
import type { AccountNpsSnapshot } from '../tables/account-nps-snapshots.ts';

/** A half-open interval [start, end) with a stable key, as nps/windows resolves it. */
export interface WindowBounds {
  key: string;
  start: Date;
  end: Date;
}

/** A snapshot's figures, computed for any window; the snapshot adds how and when. */
export type AccountNpsFigures = Omit<AccountNpsSnapshot, 'counting' | 'computed_at'>;

/**
 * Account NPS for every (account, window) pair in one grouped statement. Excluded responses
 * never count; with `latest_per_user` only each user's latest response in a window counts.
 * NPS and the adjusted-Wald margin (nps-maths.md) are computed in SQL so the snapshot refresh
 * is a single statement; test/db/account-nps.test.ts checks them against nps/. A subquery, so
 * the account grid can sort and page live figures in the same statement.
 */
export function accountNpsFigures(windows: WindowBounds[], accountIds: number[] | 'all', counting: CountingMode): RawBuilder<AccountNpsFigures> {
  const onlyAccounts = (column: RawBuilder<unknown>) =>
    accountIds === 'all' ? sql`true` : sql`${column} = any(${accountIds}::int[])`;
  const counted = counting === 'every_response' ? countEveryResponse(windows, onlyAccounts) : countLatestPerUser(windows, onlyAccounts);
  return sql<AccountNpsFigures>`
    select account_id, window_key, window_start, window_end,
      promoters, passives, detractors, total, sources, last_response_at,
      case when total > 0 then (100.0 * (promoters - detractors) / total)::float8 end as nps,
      case when total > 0 then (196.0 * sqrt((p + d - (p - d) ^ 2) / (total + 3.0)))::float8 end as margin_of_error
    from (
      select account_id, window_key, window_start, window_end, promoters, passives, detractors,
        promoters + passives + detractors as total, sources, last_response_at,
        (promoters + 0.75) / (promoters + passives + detractors + 3.0) as p,
        (detractors + 0.75) / (promoters + passives + detractors + 3.0) as d
      from (${counted}) c
    ) adjusted
  `;
}

type AccountFilter = (column: RawBuilder<unknown>) => RawBuilder<unknown>;

/** Rows of (account, window) with zero counts where an account has no responses in a window. */
function perAccountAndWindow(windows: WindowBounds[], perWindowColumns: (i: number) => RawBuilder<unknown>): RawBuilder<unknown> {
  return sql.join(
    windows.map(
      (w, i) => sql`(${w.key}::text, ${w.start.toISOString()}::timestamptz, ${w.end.toISOString()}::timestamptz, ${perWindowColumns(i)})`,
    ),
  );
}

/**
 * Every response counts: one pass over the responses, hash-grouped by account and source with
 * a filtered count per window, then unfolded into one row per window and folded per account.
 * Grouping by source first gives each window its list of sources without a DISTINCT
 * aggregate, which would force a sort-based plan. Accounts without responses come from the
 * accounts table, so their NPS is stored as undefined rather than missing.
 */
function countEveryResponse(windows: WindowBounds[], onlyAccounts: AccountFilter): RawBuilder<unknown> {
  const inWindow = (w: WindowBounds) => sql`r.responded_at >= ${w.start} and r.responded_at < ${w.end}`;
  const aggregates = windows.map(
    (w, i) => sql`
      count(*) filter (where ${inWindow(w)} and r.category = 'promoter') as ${sql.id(`p${i}`)},
      count(*) filter (where ${inWindow(w)} and r.category = 'passive') as ${sql.id(`n${i}`)},
      count(*) filter (where ${inWindow(w)} and r.category = 'detractor') as ${sql.id(`d${i}`)},
      max(r.responded_at) filter (where ${inWindow(w)}) as ${sql.id(`l${i}`)}`,
  );
  const earliest = new Date(Math.min(...windows.map((w) => w.start.getTime())));
  const latest = new Date(Math.max(...windows.map((w) => w.end.getTime())));
  const column = (name: string, i: number) => sql.ref(`g.${name}${i}`);
  return sql`
    select a.id as account_id, w.window_key, w.window_start, w.window_end,
      coalesce(c.promoters, 0)::int as promoters, coalesce(c.passives, 0)::int as passives,
      coalesce(c.detractors, 0)::int as detractors, coalesce(c.sources, '{}'::text[]) as sources, c.last_response_at
    from accounts a
    cross join (values ${perAccountAndWindow(windows, () => sql`null`)}) as w(window_key, window_start, window_end, unused)
    left join (
      select g.account_id, v.window_key,
        sum(v.promoters) as promoters, sum(v.passives) as passives, sum(v.detractors) as detractors,
        array_agg(g.source order by g.source) filter (where v.last_response_at is not null) as sources,
        max(v.last_response_at) as last_response_at
      from (
        select r.account_id, r.source, ${sql.join(aggregates)}
        from nps_responses r
        where not r.excluded and r.responded_at >= ${earliest} and r.responded_at < ${latest} and ${onlyAccounts(sql.ref('r.account_id'))}
        group by r.account_id, r.source
      ) g
      cross join lateral (values ${sql.join(
        windows.map((w, i) => sql`(${w.key}::text, ${column('p', i)}, ${column('n', i)}, ${column('d', i)}, ${column('l', i)})`),
      )}) as v(window_key, promoters, passives, detractors, last_response_at)
      group by g.account_id, v.window_key
    ) c on c.account_id = a.id and c.window_key = w.window_key
    where ${onlyAccounts(sql.ref('a.id'))}
  `;
}

/** Each user's latest response per window: a window function, so responses are joined to each window. */
function countLatestPerUser(windows: WindowBounds[], onlyAccounts: AccountFilter): RawBuilder<unknown> {
  return sql`
    select a.id as account_id, w.window_key, w.window_start, w.window_end,
      coalesce(c.promoters, 0) as promoters, coalesce(c.passives, 0) as passives, coalesce(c.detractors, 0) as detractors,
      coalesce(c.sources, '{}'::text[]) as sources, c.last_response_at
    from accounts a
    cross join (values ${perAccountAndWindow(windows, () => sql`null`)}) as w(window_key, window_start, window_end, unused)
    left join (
      select account_id, window_key,
        count(*) filter (where category = 'promoter')::int as promoters,
        count(*) filter (where category = 'passive')::int as passives,
        count(*) filter (where category = 'detractor')::int as detractors,
        array_agg(distinct source order by source) as sources,
        max(responded_at) as last_response_at
      from (
        select r.account_id, w.window_key, r.category, r.source, r.responded_at,
          row_number() over (partition by w.window_key, r.user_id order by r.responded_at desc, r.id desc) as nth
        from nps_responses r
        join (values ${perAccountAndWindow(windows, () => sql`null`)}) as w(window_key, window_start, window_end, unused)
          on r.responded_at >= w.window_start and r.responded_at < w.window_end
        where not r.excluded and ${onlyAccounts(sql.ref('r.account_id'))}
      ) ranked
      where nth = 1
      group by account_id, window_key
    ) c on c.account_id = a.id and c.window_key = w.window_key
    where ${onlyAccounts(sql.ref('a.id'))}
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

/** Snapshot refreshes of more accounts than this get a larger work_mem. */
const WORK_MEM_ABOVE_ACCOUNTS = 1_000;

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
  const refresh = sql`
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
  `;
  // The per-account, per-source grouping holds a few dozen counters a group: give the hash
  // table room so it does not spill to disk on a large instance. A few accounts (a response's)
  // fit without it, and skip the extra statement.
  const large = accountIds === 'all' || accountIds.length > WORK_MEM_ABOVE_ACCOUNTS;
  const result = large
    ? await inTransaction(db, async (trx) => {
        await sql`set local work_mem = '64MB'`.execute(trx);
        return refresh.execute(trx);
      })
    : await refresh.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Refreshes the standard windows (this month … year to date) of the accounts a change touched. */
export async function refreshStandardSnapshots(
  db: Kysely<Database>,
  accountIds: number[] | 'all',
  { now, timeZone, counting }: NpsSettingsAt,
): Promise<number> {
  const windows = STANDARD_WINDOWS.map((window) => resolveWindow(window, { now, timeZone }));
  return refreshAccountNpsSnapshots(db, windows, accountIds, counting, now);
}

export async function accountNpsSnapshots(db: Kysely<Database>, accountId: number): Promise<AccountNpsSnapshot[]> {
  return db.selectFrom('account_nps_snapshots').selectAll().where('account_id', '=', accountId).orderBy('window_key').execute();
}
