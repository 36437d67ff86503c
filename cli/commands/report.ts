import type { Command } from 'commander';
import { npsReportView } from '../../api/schemas/reports.ts';
import { REPORT_DIMENSIONS } from '../../reports/dimensions.ts';
import { npsReport, ReportRangeError } from '../../reports/nps-report.ts';
import { reportCsv } from '../../reports/report-csv.ts';
import { reportQuerySchema, reportRequestOf } from '../../reports/report-query.ts';
import { openAppContext } from '../app-context.ts';
import { formatNpsReportTable, terminalWantsColour } from '../nps-report-table.ts';
import { UsageError } from '../usage-error.ts';

interface ReportOptions {
  by: string;
  attribute?: string;
  period: string;
  from?: string;
  to?: string;
  counting?: string;
  minimum?: string;
  compare: string;
  distribution?: boolean;
  json?: boolean;
  csv?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('NPS by CSM, team, segment… by week, month, quarter or year: n, flags under the minimum n, significant changes')
    .option('--by <dimension>', REPORT_DIMENSIONS.join(' | '), 'csm')
    .option('--attribute <path>', 'with --by account_attribute or user_attribute: a JSON path such as $.plan')
    .option('--period <unit>', 'week | month | quarter | year', 'month')
    .option('--from <date>', 'the first period holds this ISO date (default: this month and the 11 before it)')
    .option('--to <date>', 'the last period holds this ISO date (default: today)')
    .option('--counting <mode>', 'every_response | latest_per_user (default: NPSLOOP_NPS_COUNTING)')
    .option('--minimum <n>', 'flag cells with fewer responses (default: NPSLOOP_REPORT_MIN_RESPONSES)')
    .option('--compare <what>', 'previous | year_before | previous,year_before | none', 'previous')
    .option('--distribution', 'add the 0-10 histogram of each cell (JSON and CSV)')
    .option('--json', 'print JSON (the shape of GET /reports/nps)')
    .option('--csv', 'print CSV (the shape of GET /reports/nps.csv)')
    .action(async (options: ReportOptions) => {
      if (options.json && options.csv) throw new UsageError('--json and --csv: choose one');
      const parsed = reportQuerySchema.safeParse({
        by: options.by,
        attribute: options.attribute,
        period: options.period,
        from: options.from,
        to: options.to,
        counting: options.counting,
        minimum: options.minimum,
        compare: options.compare,
        distribution: options.distribution ? 'true' : 'false',
      });
      if (!parsed.success) {
        throw new UsageError(parsed.error.issues.map((issue) => `--${String(issue.path[0] ?? 'by')}: ${issue.message}`).join('; '));
      }
      const context = await openAppContext();
      try {
        const defaults = { counting: context.config.npsCounting, minimumResponses: context.config.reportMinimumResponses };
        const request = reportRequestOf(parsed.data, defaults, { kind: 'everything' });
        const report = await npsReport(context.db.kysely, request, { now: new Date(), timeZone: context.config.timeZone }).catch((error: unknown) => {
          throw error instanceof ReportRangeError ? new UsageError(`--${error.parameter}: ${error.message}`) : error;
        });
        if (options.json) console.log(JSON.stringify(npsReportView(report), null, 2));
        else if (options.csv) process.stdout.write(reportCsv(report));
        else console.log(formatNpsReportTable(report, { colour: terminalWantsColour() }));
      } finally {
        await context.db.close();
      }
    });
}
