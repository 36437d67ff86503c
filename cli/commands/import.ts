import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { refreshAfterChange } from '../../derived-state/refresh-after-change.ts';
import { historyWindowStart, JOURNEY_WINDOW_DAYS } from '../../ingest/history-window.ts';
import { importHistoryCsv, MAX_CSV_ROW_BYTES } from '../../ingest/import-history-csv.ts';
import { openAppContext } from '../app-context.ts';
import { UsageError } from '../usage-error.ts';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a CSV of past NPS responses (header: email, score, respondedAt, optional comment and responseId)')
    .addHelpText(
      'after',
      `
All or nothing: a file that cannot be read (an unclosed quote, bytes that are not UTF-8, a row
over ${MAX_CSV_ROW_BYTES / 1024} KiB) stops the import with the line where it fails, exit code 1, and nothing is stored.
A row that is read but invalid (a bad score or date, an unknown user, a NUL character in any
column) is rejected with its line and field, kept in the rejection log (npsloop rejections),
and the other rows are imported; the summary is printed and the exit code is 1, as for any
rejected record. Importing the same file again counts nothing twice.
New or changed responses of the last ${JOURNEY_WINDOW_DAYS} days start their workflows (rules and
journeys) as webhooks do, once a worker runs; older ones enroll nobody. --no-journeys: none start.`,
    )
    .argument('<file>', 'CSV file')
    .option('--source <name>', 'source recorded on each response', 'csv')
    .option('--months <n>', 'only responses from the last N months (default: NPSLOOP_HISTORY_MONTHS, 6)')
    .option('--since <date>', 'only responses given on or after this ISO date (overrides --months)')
    .option('--no-journeys', `responses of the last ${JOURNEY_WINDOW_DAYS} days start no workflows (a backfill)`)
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { source: string; months?: string; since?: string; journeys: boolean; json?: boolean }) => {
      if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
      const context = await openAppContext();
      try {
        const settings = context.npsSettings();
        const since = resolveSince(options, settings.now, settings.timeZone, context.config.historyMonths);
        const size = fs.statSync(file).size;
        const bar = process.stderr.isTTY
          ? new SingleBar({
              format: 'importing [{bar}] {percentage}% | {rows} rows | {accepted} taken | {rejected} rejected | {skipped} too old | {workflowsQueued} workflows queued',
              stream: process.stderr,
            })
          : undefined;
        bar?.start(size, 0, { rows: 0, accepted: 0, rejected: 0, skipped: 0, workflowsQueued: 0 });
        const result = await importHistoryCsv(context.db.kysely, fs.createReadStream(file), {
          ...settings,
          source: options.source,
          since,
          startJourneys: options.journeys,
          onProgress: (p) => bar?.update(p.bytes, p),
        })
          .then((imported) => {
            bar?.update(size, imported);
            return imported;
          })
          .finally(() => bar?.stop());
        const refreshed = await refreshAfterChange(context.db.kysely, { accountIds: result.touchedAccountIds, userIds: 'all' }, settings);
        if (options.json) {
          const { touchedAccountIds, ...summary } = result;
          console.log(JSON.stringify({ ...summary, accountsRecomputed: touchedAccountIds.length, healthChanges: refreshed.healthChanges.length, lists: refreshed.lists }, null, 2));
        } else {
          console.log(
            `${result.rows} rows read: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged, ` +
              `${result.rejected} rejected, ${result.skipped} older than ${since.toISOString().slice(0, 10)} skipped; ` +
              `${result.touchedAccountIds.length} accounts recomputed, ${refreshed.healthChanges.length} health colours changed, ` +
              `${result.workflowsQueued} workflows of the last ${JOURNEY_WINDOW_DAYS} days queued to start`,
          );
          for (const rejection of result.rejections.slice(0, 20)) {
            console.log(`  line ${rejection.line}: ${rejection.reason}: ${rejection.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
          }
          if (result.rejected > 20) console.log(`  … all ${result.rejected} rejections are in the rejection log (npsloop rejections)`);
        }
        // A script running the import must see that something was not taken: same rule as sync.
        if (result.rejected > 0) process.exitCode = 1;
      } finally {
        await context.db.close();
      }
    });
}

function resolveSince(options: { months?: string; since?: string }, now: Date, timeZone: string, defaultMonths: number): Date {
  if (options.since) {
    const since = new Date(options.since);
    if (Number.isNaN(since.getTime())) throw new UsageError(`--since: not a date: ${options.since}`);
    return since;
  }
  const months = options.months === undefined ? defaultMonths : Number(options.months);
  if (!Number.isInteger(months) || months <= 0) throw new UsageError(`--months: expected a positive whole number, got ${options.months}`);
  return historyWindowStart(now, timeZone, months);
}
