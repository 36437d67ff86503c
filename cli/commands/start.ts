import { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import type { Command } from 'commander';
import { refreshEverything } from '../../derived-state/refresh-after-change.ts';
import { npsSettingsOf } from '../../config/nps-settings.ts';
import { type Config, loadConfig } from '../../config/config.ts';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { historyWindowStart } from '../../ingest/history-window.ts';
import { importHistoryCsv } from '../../ingest/import-history-csv.ts';
import { syncInstance } from '../../ingest/sync-instance.ts';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import { hasAnyAccount } from '../../db/queries/accounts.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { withEmbeddedWebhookSecret } from '../../stack/embedded-webhook-secret.ts';
import { ensureAdminToken } from '../../stack/admin-token.ts';
import { publishApiUrl } from '../../stack/api-url-file.ts';
import { type RunningStack, startStack } from '../../stack/start-stack.ts';
import { createGoal } from '../../db/queries/goals.ts';
import { npsReport } from '../../reports/nps-report.ts';
import { accountNpsReport, formatAccountNpsTable } from '../account-nps-report.ts';
import { printedSignInLink } from '../admin-sign-in-link.ts';
import { SIGN_IN_LINK_MINUTES } from '../../sign-in/sign-in-links.ts';
import { formatNpsReportTable, terminalWantsColour } from '../nps-report-table.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run everything on embedded defaults: PGlite and the Temporal dev server (state in the data folder), the worker and the HTTP API; ' +
        'loads the demo instance once; Ctrl-C stops it. DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL replace the embedded parts.',
    )
    .option('--no-demo', 'do not load the demo dataset')
    .action(async (options: { demo: boolean }) => {
      const { config, secretFile } = withEmbeddedWebhookSecret(loadConfig());
      console.log(`npsloop: starting (${describeParts(config)})`);
      const stack = await startStack(config);
      publishApiUrl(config.dataDir, stack.apiUrl);
      const stopped = waitForStopSignal(stack);
      try {
        await welcome(stack, config, { demo: options.demo, secretFile });
      } catch (error) {
        await stack.stop();
        throw error;
      }
      await stopped;
    });
}

function describeParts(config: Config): string {
  return [
    config.database.kind === 'pglite' ? `PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)',
    config.temporal.address ? `Temporal at ${config.temporal.address}` : 'Temporal dev server',
    config.mail.smtpUrl ? 'SMTP (SMTP_URL)' : `outbox ${config.mail.outboxDir}`,
  ].join(', ');
}

/** Resolves once Ctrl-C (or SIGTERM) has stopped every part. */
function waitForStopSignal(stack: RunningStack): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`\nnpsloop: ${signal}, stopping the API, the worker, Temporal and the database…`);
      void stack.stop().then(() => {
        console.log('npsloop: stopped');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function welcome(stack: RunningStack, config: Config, { demo, secretFile }: { demo: boolean; secretFile: string | undefined }): Promise<void> {
  const k = stack.db.kysely;
  const token = await ensureAdminToken(k, config);
  const hasData = await hasAnyAccount(k);
  if (demo && !hasData) await loadDemo(stack, config);
  else if (hasData) console.log('keeping the data already there');

  // Time moves lists like "in the last 30 days" and NPS windows: refresh everything on start.
  const settings = npsSettingsOf(config);
  const refreshed = await refreshEverything(k, settings);
  console.log(`lists: ${refreshed.lists.map((l) => `${l.list} ${l.total}`).join(', ')}`);

  const report = await accountNpsReport(k, { kind: 'last_days', days: 90 }, settings, { limit: 50 });
  console.log(`\nAccount NPS, ${report.window.label.toLowerCase()}:`);
  console.log(formatAccountNpsTable(report.rows));
  const from = DateTime.fromJSDate(settings.now, { zone: settings.timeZone }).minus({ months: 5 }).startOf('month').toISODate()!;
  const byCsm = await npsReport(
    k,
    { grouping: { dimension: 'csm' }, unit: 'month', from, counting: settings.counting, minimumResponses: config.reportMinimumResponses, compare: { previous: true, yearBefore: false }, distribution: false, viewer: { kind: 'everything' } },
    settings,
  );
  console.log('\nNPS by CSM by month (npsloop report; --by team --period quarter and more for other cuts):');
  console.log(formatNpsReportTable(byCsm, { colour: terminalWantsColour() }));
  console.log('\nWhere to look:');
  if (config.signIn.adminEmails.length > 0) {
    const link = await printedSignInLink(k, config, stack.publicUrl);
    console.log(`  web app       ${link.url}`);
    console.log(`                (signs in ${link.email} as admin, once, within ${SIGN_IN_LINK_MINUTES} minutes; another: node bin/npsloop.mjs sign-in-link; CSMs ask for one at ${stack.publicUrl}/app/)`);
  } else {
    console.log(`  web app       ${stack.publicUrl}/app/   (CSMs sign in with their email; set NPSLOOP_ADMIN_EMAILS for admins)`);
  }
  console.log(`  HTTP API      ${stack.apiUrl}   (OpenAPI: ${stack.apiUrl}/openapi.json)`);
  if (token.kind === 'saved') console.log(`  admin token   in ${token.file}   (curl -H "Authorization: Bearer $(cat ${token.file})" ${stack.apiUrl}/accounts/nps)`);
  if (token.kind === 'shown-once') console.log(`  admin token   ${token.token}   (shown once: store it now; more with npsloop tokens create)`);
  if (token.kind === 'existing') console.log('  admin token   the one shown at the first start (only its hash is kept); another: npsloop tokens create --name <who> --role admin');
  console.log(`  Temporal UI   ${stack.temporalUi ?? `the UI of ${stack.temporalAddress}`}   (workflows by NpsCategory, JourneyName, CsmEmail…)`);
  if (secretFile) console.log(`  webhook key   in ${secretFile}   (signs POST ${stack.apiUrl}/webhooks/generic, Standard Webhooks)`);
  if (stack.outboxDir) console.log(`  outbox        ${stack.outboxDir}   (one .eml per email sent)`);
  console.log(`  API log       ${stack.logFile}`);
  if (stack.temporalLogFile) console.log(`  Temporal log  ${stack.temporalLogFile}   (the dev server's own warnings)`);
  // From the project folder: npsloop is not on PATH until the package is installed globally.
  console.log('  CLI           node bin/npsloop.mjs --help   (report, goals, nps, tasks, journeys, rules, lists, import, sync)');
  console.log('\nnpsloop is running; Ctrl-C stops it.');
}

/** Loads the demo through the same paths real data takes: sync, CSV import, webhooks. */
async function loadDemo(stack: RunningStack, config: Config): Promise<void> {
  const settings = npsSettingsOf(config);
  const k = stack.db.kysely;
  const demo = demoDataset(settings.now);
  await syncInstance(k, 'csm', demo.csms, settings);
  await syncInstance(k, 'account', demo.accounts, settings);
  await syncInstance(k, 'user', demo.users, settings);
  await syncInstance(k, 'ticket', demo.tickets, settings);
  const history = await importHistoryCsv(k, Readable.from([demo.responsesCsv]), {
    ...settings,
    since: historyWindowStart(settings.now, settings.timeZone, config.historyMonths),
  });
  const handed = await syncInstance(k, 'account', demo.handovers, settings, { recordedBy: 'demo (npsloop start)' });
  for (const goal of demo.goals) await createGoal(k, goal, { actor: 'demo (npsloop start)' });
  const fresh = await sendFreshResponses(stack, config, demo.users.slice(0, 4), settings.now);
  console.log(
    `demo loaded: ${demo.csms.length} CSMs, ${demo.accounts.length} accounts, ${demo.users.length} users, ` +
      `${history.inserted} historical responses, ${fresh} fresh ones (their journeys are running), ${demo.tickets.length} tickets, ` +
      `${handed.ownerChanges.length} late handover (${handed.ownerChanges.reduce((n, c) => n + c.recreditedResponses, 0)} responses re-credited), ${demo.goals.length} goals`,
  );
}

/**
 * A few fresh answers, sent as a survey tool would: signed, over HTTP, to the running API's
 * webhook. The worker then runs their journeys. Returns how many were stored.
 */
async function sendFreshResponses(stack: RunningStack, config: Config, users: { email: unknown }[], now: Date): Promise<number> {
  const secret = config.webhookSecrets.generic;
  if (!secret) throw new Error('the demo needs NPSLOOP_WEBHOOK_SECRET_GENERIC (generated for an embedded instance)');
  const body = JSON.stringify({
    responses: users.map((user, i) => ({
      id: `demo-fresh-${i + 1}`,
      email: user.email,
      score: [10, 2, 9, 5][i],
      respondedAt: new Date(now.getTime() - (i + 1) * 3_600_000).toISOString(),
      comment: ['Love the new dashboards.', 'Exports keep failing and nobody answers.', '', 'Pricing is hard to justify.'][i],
      source: 'in-app',
    })),
  });
  const { token } = await createApiToken(stack.db.kysely, { name: 'demo survey tool (npsloop start)', role: 'ingest' });
  const response = await fetch(`${stack.apiUrl}/webhooks/generic`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...standardWebhookHeaders(secret, body, { id: 'demo-fresh-responses' }) },
    body,
  });
  const answer = (await response.json()) as { inserted?: number; error?: { message: string } };
  if (response.status !== 202) throw new Error(`the demo webhook was refused (${response.status}): ${answer.error?.message ?? 'no reason given'}`);
  return answer.inserted ?? 0;
}
