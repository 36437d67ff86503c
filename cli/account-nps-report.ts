import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { computeAccountNps, lastSyncedBySource, type NpsSettings } from '../db/queries/account-nps.ts';
import { roundNps } from '../nps/score.ts';
import { type NpsWindow, type ResolvedWindow, resolveWindow } from '../nps/windows.ts';
import { formatTable } from './format-output.ts';

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
  margin_of_error: number | null;
  sources: string[];
  last_response_at: string | null;
  last_synced_at: string | null;
}

/** Account NPS for one window, with its freshness: what `npsloop nps` and `npm start` show. */
export async function accountNpsReport(
  db: Kysely<Database>,
  window: NpsWindow,
  settings: NpsSettings,
  { accountExternalId, limit = 100 }: { accountExternalId?: string; limit?: number } = {},
): Promise<{ window: ResolvedWindow; rows: AccountNpsRow[] }> {
  let query = db
    .selectFrom('accounts')
    .leftJoin('csms', 'csms.id', 'accounts.csm_id')
    .select(['accounts.id', 'accounts.external_id', 'accounts.name', 'accounts.segment', 'csms.email as csm_email'])
    .orderBy('accounts.name')
    .limit(limit);
  if (accountExternalId) query = query.where('accounts.external_id', '=', accountExternalId);
  const accounts = await query.execute();
  if (accountExternalId && accounts.length === 0) throw new Error(`no account with external_id ${accountExternalId}`);

  const resolved = resolveWindow(window, settings);
  const figures = await computeAccountNps(db, [resolved], accounts.map((a) => a.id), settings.counting);
  const byAccount = new Map(figures.map((f) => [f.account_id, f]));
  const synced = await lastSyncedBySource(db, [...new Set(figures.flatMap((f) => f.sources))]);
  const rows = accounts.map((account) => {
    const f = byAccount.get(account.id)!;
    const lastSynced = f.sources
      .map((source) => synced.get(source))
      .filter((date): date is Date => date !== undefined)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    return {
      account: account.external_id,
      name: account.name,
      segment: account.segment,
      csm: account.csm_email,
      window: resolved.key,
      promoters: f.promoters,
      passives: f.passives,
      detractors: f.detractors,
      total: f.total,
      nps: f.nps === null ? null : roundNps(f.nps),
      margin_of_error: f.margin_of_error === null ? null : roundNps(f.margin_of_error),
      sources: f.sources,
      last_response_at: f.last_response_at?.toISOString() ?? null,
      last_synced_at: lastSynced?.toISOString() ?? null,
    };
  });
  return { window: resolved, rows };
}

export function formatAccountNpsTable(rows: AccountNpsRow[]): string {
  return formatTable(
    rows.map((r) => ({
      account: r.name,
      segment: r.segment ?? '',
      csm: r.csm ?? '',
      'P/N/D': `${r.promoters}/${r.passives}/${r.detractors}`,
      n: String(r.total),
      NPS: r.nps === null ? 'no responses' : String(r.nps),
      '±95%': r.margin_of_error === null ? '' : String(r.margin_of_error),
      sources: r.sources.join(','),
      'last synced': r.last_synced_at?.slice(0, 16).replace('T', ' ') ?? '',
    })),
  );
}
