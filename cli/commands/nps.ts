import type { Command } from 'commander';
import { ACCOUNT_NPS_SORT_KEYS, type AccountNpsSortKey, SORT_ORDERS, type SortOrder } from '../../db/queries/account-nps-grid.ts';
import { countingModeSchema } from '../../nps/counts.ts';
import { type NpsWindow, parseWindowKey } from '../../nps/windows.ts';
import { accountNpsReport, formatAccountNpsCsv, formatAccountNpsTable } from '../account-nps-report.ts';
import { accountIdOf } from '../account-reference.ts';
import { openAppContext } from '../app-context.ts';
import { UsageError } from '../usage-error.ts';

interface NpsOptions {
  window?: string[];
  account?: string;
  segment?: string;
  csm?: string;
  counting?: string;
  sort: string;
  order?: string;
  limit: string;
  offset: string;
  json?: boolean;
  csv?: boolean;
}

const MAX_WINDOWS = 10;

/** `--window a,b --window c`: every key, in order. */
const collectKeys = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((key) => key.trim()).filter(Boolean)];

export function registerNpsCommand(program: Command): void {
  program
    .command('nps')
    .description('account NPS per account and window: counts, score, 95% margin of error, sources and freshness')
    .option(
      '--window <keys>',
      'this_month | last_month | this_quarter | last_quarter | last_<N>_days | year_to_date | custom:<from>..<to>; ' +
        'repeat it or separate keys with commas for several windows (default: this_quarter)',
      collectKeys,
    )
    .option('--account <external id or name>', 'one account only')
    .option('--segment <segment>', 'only accounts of this segment')
    .option('--csm <email>', 'only accounts this CSM owns')
    .option('--counting <mode>', 'every_response | latest_per_user (default: NPSLOOP_NPS_COUNTING)')
    .option('--sort <key>', `${ACCOUNT_NPS_SORT_KEYS.join(' | ')}, in the first window`, 'name')
    .option('--order <order>', 'asc | desc (default: asc for name, desc otherwise)')
    .option('--limit <n>', 'at most this many accounts', '100')
    .option('--offset <n>', 'skip this many accounts first', '0')
    .option('--json', 'print JSON, figures exact')
    .option('--csv', 'print CSV, one row per account and window, figures exact')
    .action(async (options: NpsOptions) => {
      const windows = parseWindows(options.window?.length ? options.window : ['this_quarter']);
      const counting = options.counting === undefined ? undefined : countingModeSchema.safeParse(options.counting);
      if (counting && !counting.success) throw new UsageError(`--counting: expected every_response or latest_per_user, got ${options.counting}`);
      const sort = oneOf<AccountNpsSortKey>('--sort', options.sort, ACCOUNT_NPS_SORT_KEYS);
      const order = options.order === undefined ? undefined : oneOf<SortOrder>('--order', options.order, SORT_ORDERS);
      const limit = wholeNumber('--limit', options.limit, 1, 10_000);
      const offset = wholeNumber('--offset', options.offset, 0, 1_000_000_000);
      if (options.json && options.csv) throw new UsageError('--json and --csv: choose one');

      const context = await openAppContext();
      try {
        const settings = { ...context.npsSettings(), ...(counting ? { counting: counting.data } : {}) };
        const report = await accountNpsReport(context.db.kysely, windows, settings, {
          ...(options.account === undefined ? {} : { accountId: await accountIdOf(context.db.kysely, options.account) }),
          ...(options.segment === undefined ? {} : { segment: options.segment }),
          ...(options.csm === undefined ? {} : { csmEmail: options.csm }),
          sort,
          ...(order ? { order } : {}),
          limit,
          offset,
        });
        if (options.json) {
          const described = report.windows.map(({ key, label, start, end }) => ({ key, label, start, end }));
          console.log(JSON.stringify({ windows: described, total: report.total, accounts: report.rows }, null, 2));
        } else if (options.csv) process.stdout.write(formatAccountNpsCsv(report.rows));
        else {
          for (const { label, start, end } of report.windows) console.log(`${label}: ${start.toISOString()} – ${end.toISOString()} (${settings.timeZone})`);
          console.log(formatAccountNpsTable(report.rows));
          const shown = new Set(report.rows.map((r) => r.account)).size;
          if (offset + shown < report.total) console.log(`${shown} of ${report.total} accounts from ${offset + 1}: --offset ${offset + shown} for more`);
        }
      } finally {
        await context.db.close();
      }
    });
}

function parseWindows(keys: string[]): NpsWindow[] {
  if (keys.length > MAX_WINDOWS) throw new UsageError(`--window: at most ${MAX_WINDOWS} windows, got ${keys.length}`);
  return keys.map((key) => {
    try {
      return parseWindowKey(key);
    } catch (error) {
      throw new UsageError(`--window: ${(error as Error).message}`);
    }
  });
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag}: expected ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got ${text}`);
  return value;
}
