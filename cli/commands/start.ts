import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { installDefaultRules } from '../../activities/install-default-rules.ts';
import { refreshAfterChange } from '../../activities/refresh-after-change.ts';
import { refreshStandardSnapshots } from '../../db/queries/account-nps.ts';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { importHistoryCsv } from '../../ingest/import-history-csv.ts';
import { ingestPayloads } from '../../ingest/ingest-payloads.ts';
import { syncInstance } from '../../ingest/sync-instance.ts';
import { type AppContext, openAppContext } from '../app-context.ts';
import { accountNpsReport, formatAccountNpsTable } from '../account-nps-report.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('the main job on embedded defaults: open the database, load the demo instance once, and show account NPS')
    .option('--no-demo', 'do not load the demo dataset')
    .action(async (options: { demo: boolean }) => {
      const context = await openAppContext();
      try {
        const location =
          context.config.database.kind === 'pglite' ? `PGlite in ${context.config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)';
        console.log(`npsloop: database ${location}, time zone ${context.config.timeZone}`);
        const accounts = await context.db.kysely.selectFrom('accounts').select('id').limit(1).execute();
        const installed = await installDefaultRules(context.db.kysely);
        if (installed.length > 0) console.log(`installed the default rules: ${installed.join(', ')}`);
        if (options.demo && accounts.length === 0) await loadDemo(context);
        else if (accounts.length > 0) console.log('keeping the data already there');
        // Time moves lists like "in the last 30 days" and NPS windows: refresh everything on start.
        const settings = context.npsSettings();
        await refreshStandardSnapshots(context.db.kysely, 'all', settings);
        const refreshed = await refreshAfterChange(context.db.kysely, { accountIds: 'all', userIds: 'all' }, settings);
        console.log(`lists: ${refreshed.lists.map((l) => `${l.list} ${l.total}`).join(', ')}`);

        const report = await accountNpsReport(context.db.kysely, { kind: 'last_days', days: 90 }, context.npsSettings(), { limit: 50 });
        console.log(`\nAccount NPS, ${report.window.label.toLowerCase()}:`);
        console.log(formatAccountNpsTable(report.rows));
        console.log('\nMore: npsloop nps --help · npsloop import --help · npsloop sync --help · npsloop rejections');
      } finally {
        await context.db.close();
      }
    });
}

/** Loads the demo through the same paths real data takes: sync, CSV import, webhooks. */
async function loadDemo(context: AppContext): Promise<void> {
  const settings = context.npsSettings();
  const k = context.db.kysely;
  const demo = demoDataset(settings.now);
  await syncInstance(k, 'csm', demo.csms, settings);
  await syncInstance(k, 'account', demo.accounts, settings);
  await syncInstance(k, 'user', demo.users, settings);
  await syncInstance(k, 'ticket', demo.tickets, settings);
  const history = await importHistoryCsv(k, Readable.from([demo.responsesCsv]), {
    ...settings,
    since: DateTime.fromJSDate(settings.now, { zone: settings.timeZone }).minus({ months: context.config.historyMonths }).toJSDate(),
  });
  // A few fresh answers, as a survey tool's webhook would send them.
  const fresh = demo.users.slice(0, 4).map((user, i) => ({
    id: `demo-fresh-${i + 1}`,
    email: user.email,
    score: [10, 2, 9, 5][i],
    responded_at: new Date(settings.now.getTime() - (i + 1) * 3_600_000).toISOString(),
    comment: ['Love the new dashboards.', 'Exports keep failing and nobody answers.', '', 'Pricing is hard to justify.'][i],
    source: 'in-app',
  }));
  const webhook = await ingestPayloads(k, 'generic', [{ responses: fresh }], settings);
  console.log(
    `demo loaded: ${demo.csms.length} CSMs, ${demo.accounts.length} accounts, ${demo.users.length} users, ` +
      `${history.inserted} historical responses, ${webhook.inserted} fresh ones, ${demo.tickets.length} tickets`,
  );
}
