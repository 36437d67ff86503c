import { type Kysely, type RawBuilder, sql } from 'kysely';
import { STANDARD_WINDOWS, windowKey, type ResolvedWindow } from '../../nps/windows.ts';
import type { Database } from '../database.ts';
import { type AccountNpsFigures, accountNpsFigures } from './account-nps.ts';
import type { NpsFigure } from '../../nps/counts.ts';
import type { NpsSettingsAt } from '../../nps/nps-settings.ts';

/*
 * The account grid: account NPS per window for many accounts, filtered, sorted and paged in
 * SQL. The HTTP API and `npsloop nps` both read it here. A standard window is read from the
 * stored snapshots when every account asked for has a current one; otherwise (a custom window,
 * another counting mode, an account synced since the last refresh, a rolling window the hourly
 * refresh has not moved on) the figures are computed live, in the same statement.
 */

export const ACCOUNT_NPS_SORT_KEYS = ['nps', 'responses', 'name', 'margin', 'last_response'] as const;
export type AccountNpsSortKey = (typeof ACCOUNT_NPS_SORT_KEYS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** Names read A to Z; figures read best (highest, latest) first. */
export function defaultOrderOf(sort: AccountNpsSortKey): SortOrder {
  return sort === 'name' ? 'asc' : 'desc';
}

/** Which accounts a grid holds: every condition given must hold. */
export interface AccountNpsFilter {
  /** Only the accounts these CSMs own now: a csm token's scope (its CSM's team). */
  ownerCsmIds?: readonly number[] | undefined;
  segment?: string;
  /** The owning CSM, by id or by email. */
  csm?: number | string;
  accountIds?: readonly number[];
  accountExternalId?: string;
}

export interface WindowFigures extends NpsFigure {
  window: ResolvedWindow;
  total: number;
  sources: string[];
  /** When the latest response counted was given. */
  lastResponseAt: Date | null;
  /**
   * "Last synced": the latest time any of `sources` delivered responses to npsloop (a webhook
   * delivery or a CSV import, for any account, taken or refused), so how current the figures can
   * be; not when the account was synced. Null when the window counts no response.
   */
  lastSyncedAt: Date | null;
  /** A snapshot's computation time, or now for figures computed live. */
  computedAt: Date;
}

export interface AccountNpsGridRow {
  account: { id: number; externalId: string; name: string; segment: string | null };
  csm: { id: number; name: string; email: string } | null;
  /** One entry per window asked for, in the same order. */
  windows: WindowFigures[];
}

export interface AccountNpsGridOptions {
  filter?: AccountNpsFilter;
  /** Applies to the first window's figures. */
  sort?: AccountNpsSortKey;
  order?: SortOrder;
  limit: number;
  offset?: number;
}

/** A snapshot of a rolling window older than this is not used: the worker refreshes every account hourly. */
const ROLLING_SNAPSHOT_MAX_AGE_MS = 70 * 60_000;

const STANDARD_WINDOW_KEYS = new Set<string>(STANDARD_WINDOWS.map(windowKey));
const ROLLING_WINDOW_KEYS = new Set<string>(STANDARD_WINDOWS.filter((w) => w.kind === 'last_days').map(windowKey));

const SORT_COLUMNS: Record<AccountNpsSortKey, string> = {
  nps: 'f.nps',
  responses: 'f.total',
  name: 'a.name',
  margin: 'f.margin_of_error',
  last_response: 'f.last_response_at',
};

/** One account's figures in one window, with how fresh they are. */
type FigureRow = Omit<AccountNpsFigures, 'window_key' | 'window_start' | 'window_end'> & {
  last_synced_at: Date | null;
  computed_at: Date;
};

interface AccountRow {
  id: number;
  external_id: string;
  name: string;
  segment: string | null;
  csm_id: number | null;
  csm_name: string | null;
  csm_email: string | null;
}

/**
 * One page of accounts (ordered by the sort key in the first window, ties by name, then id, so
 * paging is stable) with their figures in every window, and how many accounts the filter holds.
 */
export async function accountNpsGrid(
  db: Kysely<Database>,
  windows: readonly ResolvedWindow[],
  settings: NpsSettingsAt,
  { filter = {}, sort = 'name', order = defaultOrderOf(sort), limit, offset = 0 }: AccountNpsGridOptions,
): Promise<{ total: number; rows: AccountNpsGridRow[] }> {
  const [first, ...others] = windows;
  if (!first) throw new RangeError('accountNpsGrid needs at least one window');
  const where = filterCondition(filter);
  const everyAccount = Object.values(filter).every((value) => value === undefined);
  const { rows: counted } = await sql<{ total: number }>`
    select count(*)::int as total from accounts a left join csms c on c.id = a.csm_id where ${where}
  `.execute(db);
  const total = counted[0]?.total ?? 0;

  const sortColumn = sql.ref(SORT_COLUMNS[sort]);
  const direction = sql.raw(order === 'asc' ? 'asc' : 'desc');
  const { rows: page } = await sql<AccountRow & FigureRow>`
    select a.id, a.external_id, a.name, a.segment, c.id as csm_id, c.name as csm_name, c.email as csm_email, f.*
    from accounts a
    left join csms c on c.id = a.csm_id
    join (${await figuresOf(db, first, settings, where, everyAccount)}) f on f.account_id = a.id
    where ${where}
    order by ${sortColumn} ${direction} nulls last, a.name, a.id
    limit ${limit} offset ${offset}
  `.execute(db);

  const figures = new Map<number, WindowFigures[]>(page.map((row) => [row.id, [windowFigures(first, row)]]));
  const pageIds = page.map((row) => row.id);
  const onPage = sql<boolean>`a.id = any(${pageIds}::int[])`;
  for (const window of pageIds.length > 0 ? others : []) {
    const { rows } = await sql<FigureRow>`
      select f.* from (${await figuresOf(db, window, settings, onPage, false)}) f where f.account_id = any(${pageIds}::int[])
    `.execute(db);
    for (const row of rows) figures.get(row.account_id)?.push(windowFigures(window, row));
  }
  return {
    total,
    rows: page.map((row) => ({
      account: { id: row.id, externalId: row.external_id, name: row.name, segment: row.segment },
      csm: row.csm_id === null || row.csm_name === null || row.csm_email === null ? null : { id: row.csm_id, name: row.csm_name, email: row.csm_email },
      windows: figures.get(row.id) ?? [],
    })),
  };
}

/** The filter over `accounts a left join csms c`. */
function filterCondition(filter: AccountNpsFilter): RawBuilder<boolean> {
  const conditions: RawBuilder<boolean>[] = [sql<boolean>`true`];
  if (filter.ownerCsmIds !== undefined) conditions.push(sql<boolean>`a.csm_id = any(${[...filter.ownerCsmIds]}::int[])`);
  if (filter.segment !== undefined) conditions.push(sql<boolean>`a.segment = ${filter.segment}`);
  if (typeof filter.csm === 'number') conditions.push(sql<boolean>`a.csm_id = ${filter.csm}`);
  if (typeof filter.csm === 'string') conditions.push(sql<boolean>`c.email = ${filter.csm.trim().toLowerCase()}`);
  if (filter.accountIds !== undefined) conditions.push(sql<boolean>`a.id = any(${[...filter.accountIds]}::int[])`);
  if (filter.accountExternalId !== undefined) conditions.push(sql<boolean>`a.external_id = ${filter.accountExternalId}`);
  return sql<boolean>`(${sql.join(conditions, sql` and `)})`;
}

/** Snapshot rows that hold the window as it stands now, counted the way asked. */
function currentSnapshot(window: ResolvedWindow, { now, counting }: NpsSettingsAt): RawBuilder<boolean> {
  // A calendar window's snapshot is current while its start has not moved (a new month moves
  // it); ingestion refreshes the snapshots of what it touched. A rolling window moves with time.
  const inTime = ROLLING_WINDOW_KEYS.has(window.key)
    ? sql`s.computed_at >= ${new Date(now.getTime() - ROLLING_SNAPSHOT_MAX_AGE_MS)}::timestamptz`
    : sql`s.window_start = ${window.start}::timestamptz`;
  return sql<boolean>`s.window_key = ${window.key} and s.counting = ${counting} and s.computed_at <= ${now}::timestamptz and ${inTime}`;
}

/** The figures of one window for the accounts `where` picks: from the snapshots when all are current, else live. */
async function figuresOf(
  db: Kysely<Database>,
  window: ResolvedWindow,
  settings: NpsSettingsAt,
  where: RawBuilder<boolean>,
  everyAccount: boolean,
): Promise<RawBuilder<FigureRow>> {
  const lastSynced = (sources: string) =>
    sql<Date | null>`(select max(ss.last_synced_at) from source_sync_state ss where ss.source = any(${sql.ref(sources)}))`;
  if (STANDARD_WINDOW_KEYS.has(window.key)) {
    const { rows } = await sql<{ missing: boolean }>`
      select exists (
        select 1 from accounts a left join csms c on c.id = a.csm_id
        where ${where} and not exists (
          select 1 from account_nps_snapshots s where s.account_id = a.id and ${currentSnapshot(window, settings)}
        )
      ) as missing
    `.execute(db);
    if (rows[0]?.missing === false) {
      return sql<FigureRow>`
        select s.account_id, s.promoters, s.passives, s.detractors, s.total, s.nps, s.margin_of_error, s.sources,
          s.last_response_at, ${lastSynced('s.sources')} as last_synced_at, s.computed_at
        from account_nps_snapshots s
        where ${currentSnapshot(window, settings)}
      `;
    }
  }
  // Every account: no id list, so the grouped statement scans the responses once without a filter.
  let accountIds: number[] | 'all' = 'all';
  if (!everyAccount) {
    const { rows } = await sql<{ id: number }>`select a.id from accounts a left join csms c on c.id = a.csm_id where ${where}`.execute(db);
    accountIds = rows.map((row) => row.id);
  }
  return sql<FigureRow>`
    select l.account_id, l.promoters, l.passives, l.detractors, l.total, l.nps, l.margin_of_error, l.sources,
      l.last_response_at, ${lastSynced('l.sources')} as last_synced_at, ${settings.now}::timestamptz as computed_at
    from (${accountNpsFigures([window], accountIds, settings.counting)}) l
  `;
}

function windowFigures(window: ResolvedWindow, row: FigureRow): WindowFigures {
  return {
    window,
    promoters: row.promoters,
    passives: row.passives,
    detractors: row.detractors,
    total: row.total,
    nps: row.nps,
    marginOfError: row.margin_of_error,
    sources: row.sources,
    lastResponseAt: row.last_response_at,
    lastSyncedAt: row.last_synced_at,
    computedAt: row.computed_at,
  };
}
