import type { Command } from 'commander';
import { computeAccountNps, lastSyncedBySource } from '../../db/queries/account-nps.ts';
import { countingModeSchema } from '../../nps/counts.ts';
import { roundNps } from '../../nps/score.ts';
import { parseWindowKey, resolveWindow } from '../../nps/windows.ts';
import { openAppContext } from '../app-context.ts';
import { formatCsv, formatTable } from '../format-output.ts';
import { UsageError } from '../usage-error.ts';

export function registerNpsCommand(program: Command): void {
  program
    .command('nps')
    .description('account NPS for a window: counts, score, 95% margin of error, sources and freshness')
    .option('--window <key>', 'this_month | last_month | this_quarter | last_quarter | last_<N>_days | year_to_date | custom:<from>..<to>', 'this_quarter')
    .option('--account <external_id>', 'one account only')
    .option('--counting <mode>', 'every_response | latest_per_user (default: NPSLOOP_NPS_COUNTING)')
    .option('--limit <n>', 'at most this many accounts', '100')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .action(async (options: { window: string; account?: string; counting?: string; limit: string; json?: boolean; csv?: boolean }) => {
      let window;
      try {
        window = parseWindowKey(options.window);
      } catch (error) {
        throw new UsageError(`--window: ${(error as Error).message}`);
      }
      const counting = options.counting === undefined ? undefined : countingModeSchema.safeParse(options.counting);
      if (counting && !counting.success) throw new UsageError(`--counting: expected every_response or latest_per_user, got ${options.counting}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit <= 0 || limit > 10_000) throw new UsageError('--limit: expected a whole number from 1 to 10000');

      const context = await openAppContext();
      try {
        const settings = context.npsSettings();
        const k = context.db.kysely;
        let accounts = k.selectFrom('accounts').leftJoin('csms', 'csms.id', 'accounts.csm_id')
          .select(['accounts.id', 'accounts.external_id', 'accounts.name', 'accounts.segment', 'csms.email as csm_email'])
          .orderBy('accounts.name').limit(limit);
        if (options.account) accounts = accounts.where('accounts.external_id', '=', options.account);
        const rows = await accounts.execute();
        if (options.account && rows.length === 0) throw new Error(`no account with external_id ${options.account}`);
        const resolved = resolveWindow(window, settings);
        const figures = await computeAccountNps(k, [resolved], rows.map((r) => r.id), counting?.data ?? settings.counting);
        const byAccount = new Map(figures.map((f) => [f.account_id, f]));
        const synced = await lastSyncedBySource(k, [...new Set(figures.flatMap((f) => f.sources))]);
        const report = rows.map((account) => {
          const f = byAccount.get(account.id)!;
          const lastSynced = f.sources.map((s) => synced.get(s)).filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
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
        if (options.json) console.log(JSON.stringify({ window: { key: resolved.key, label: resolved.label, start: resolved.start, end: resolved.end }, accounts: report }, null, 2));
        else if (options.csv) process.stdout.write(formatCsv(report));
        else {
          console.log(`${resolved.label}: ${resolved.start.toISOString()} – ${resolved.end.toISOString()} (${settings.timeZone})`);
          console.log(
            formatTable(
              report.map((r) => ({
                account: r.name,
                csm: r.csm ?? '',
                'P/N/D': `${r.promoters}/${r.passives}/${r.detractors}`,
                n: String(r.total),
                NPS: r.nps === null ? 'no responses' : String(r.nps),
                '±95%': r.margin_of_error === null ? '' : String(r.margin_of_error),
                sources: r.sources.join(','),
                'last synced': r.last_synced_at?.slice(0, 16).replace('T', ' ') ?? '',
              })),
            ),
          );
        }
      } finally {
        await context.db.close();
      }
    });
}
