import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { type AccountNpsFilter, type AccountNpsSortKey, accountNpsGrid, type SortOrder } from '../db/queries/account-nps-grid.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { roundNps } from '../nps/score.ts';
import { type NpsWindow, type ResolvedWindow, resolveWindow } from '../nps/windows.ts';
import { formatCsv, formatMinute, formatTable } from './format-output.ts';

/**
 * One account in one window, flat, with the figures exact: `--json` prints these rows as they
 * are (camelCase, as the API names the same figures), the CSV too; only the table rounds.
 */
export interface AccountNpsRow {
  account: string;
  name: string;
  segment: string | null;
  csm: string | null;
  window: string;
  promoters: number;
  passives: number;
  detractors: number;
  total: number;
  nps: number | null;
  marginOfError: number | null;
  sources: string[];
  lastResponseAt: string | null;
  lastSyncedAt: string | null;
}

export interface AccountNpsReportOptions {
  /** One account only (`--account`, resolved by cli/account-reference.ts). */
  accountId?: number;
  segment?: string;
  /** The owning CSM's email. */
  csmEmail?: string;
  sort?: AccountNpsSortKey;
  order?: SortOrder;
  limit?: number;
  offset?: number;
}

/**
 * Account NPS per account and window, with its freshness: what `npsloop nps` and `npm start`
 * show. Accounts are ordered by the first window's figures; the account grid of the HTTP API
 * reads the same query (db/queries/account-nps-grid.ts).
 */
export async function accountNpsReport(
  db: Kysely<Database>,
  window: NpsWindow | readonly NpsWindow[],
  settings: NpsSettingsAt,
  { accountId, segment, csmEmail, sort = 'name', order, limit = 100, offset = 0 }: AccountNpsReportOptions = {},
): Promise<{ window: ResolvedWindow; windows: ResolvedWindow[]; total: number; rows: AccountNpsRow[] }> {
  const windows = (Array.isArray(window) ? window : [window]).map((w: NpsWindow) => resolveWindow(w, settings));
  const filter: AccountNpsFilter = {
    ...(accountId === undefined ? {} : { accountIds: [accountId] }),
    ...(segment === undefined ? {} : { segment }),
    ...(csmEmail === undefined ? {} : { csm: csmEmail }),
  };
  const grid = await accountNpsGrid(db, windows, settings, { filter, sort, ...(order ? { order } : {}), limit, offset });
  const rows = grid.rows.flatMap(({ account, csm, windows: figures }) =>
    figures.map((f) => ({
      account: account.externalId,
      name: account.name,
      segment: account.segment,
      csm: csm?.email ?? null,
      window: f.window.key,
      promoters: f.promoters,
      passives: f.passives,
      detractors: f.detractors,
      total: f.total,
      nps: f.nps,
      marginOfError: f.marginOfError,
      sources: f.sources,
      lastResponseAt: f.lastResponseAt?.toISOString() ?? null,
      lastSyncedAt: f.lastSyncedAt?.toISOString() ?? null,
    })),
  );
  return { window: windows[0]!, windows, total: grid.total, rows };
}

/** A text table, figures rounded for people; with rows of more than one window, each row says its window. */
export function formatAccountNpsTable(rows: AccountNpsRow[]): string {
  const perWindow = new Set(rows.map((r) => r.window)).size > 1;
  return formatTable(
    rows.map((r) => ({
      account: r.name,
      ...(perWindow ? { window: r.window } : {}),
      segment: r.segment ?? '',
      csm: r.csm ?? '',
      'P/N/D': `${r.promoters}/${r.passives}/${r.detractors}`,
      n: String(r.total),
      NPS: r.nps === null ? 'no responses' : String(roundNps(r.nps)),
      '±95%': r.marginOfError === null ? '' : String(roundNps(r.marginOfError)),
      sources: r.sources.join(','),
      'last synced': formatMinute(r.lastSyncedAt),
    })),
  );
}

/**
 * CSV for a spreadsheet, figures exact as in the report CSV (a spreadsheet rounds as it shows);
 * the columns keep the snake_case header the report CSV has too, so sheets reading it go on.
 */
export function formatAccountNpsCsv(rows: AccountNpsRow[]): string {
  return formatCsv(
    rows.map((r) => ({
      account: r.account,
      name: r.name,
      segment: r.segment,
      csm: r.csm,
      window: r.window,
      promoters: r.promoters,
      passives: r.passives,
      detractors: r.detractors,
      total: r.total,
      nps: r.nps,
      margin_of_error: r.marginOfError,
      sources: r.sources,
      last_response_at: r.lastResponseAt,
      last_synced_at: r.lastSyncedAt,
    })),
  );
}
