import type { Command } from 'commander';
import { countingModeSchema } from '../../nps/counts.ts';
import { parseWindowKey } from '../../nps/windows.ts';
import { accountNpsReport, formatAccountNpsTable } from '../account-nps-report.ts';
import { openAppContext } from '../app-context.ts';
import { formatCsv } from '../format-output.ts';
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
        const settings = { ...context.npsSettings(), ...(counting ? { counting: counting.data } : {}) };
        const report = await accountNpsReport(context.db.kysely, window, settings, {
          ...(options.account ? { accountExternalId: options.account } : {}),
          limit,
        });
        const { start, end, key, label } = report.window;
        if (options.json) console.log(JSON.stringify({ window: { key, label, start, end }, accounts: report.rows }, null, 2));
        else if (options.csv) process.stdout.write(formatCsv(report.rows));
        else {
          console.log(`${label}: ${start.toISOString()} – ${end.toISOString()} (${settings.timeZone})`);
          console.log(formatAccountNpsTable(report.rows));
        }
      } finally {
        await context.db.close();
      }
    });
}
