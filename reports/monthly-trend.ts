import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/database.ts';
import type { CountingMode } from '../nps/counts.ts';
import { npsReport, type NpsReport, type ReportSettings } from './nps-report.ts';

export interface MonthlyTrendRequest {
  /** This month and the months - 1 before it. */
  months: number;
  /** The accounts whose responses count; undefined: every account's. */
  accounts?: readonly number[];
  counting: CountingMode;
  minimumResponses: number;
}

/**
 * NPS per account per month over the last `months` months: the report engine grouped by
 * account, so each month's figure is the one `GET /reports/nps?by=account&period=month` gives.
 */
export async function monthlyTrendByAccount(db: Kysely<Database>, request: MonthlyTrendRequest, settings: ReportSettings): Promise<NpsReport> {
  const from = DateTime.fromJSDate(settings.now, { zone: settings.timeZone }).startOf('month').minus({ months: request.months - 1 });
  return npsReport(
    db,
    {
      grouping: { dimension: 'account' },
      unit: 'month',
      from: from.toISODate()!,
      counting: request.counting,
      minimumResponses: request.minimumResponses,
      compare: { previous: false, yearBefore: false },
      distribution: false,
      viewer: { kind: 'everything' },
      ...(request.accounts ? { accounts: request.accounts } : {}),
    },
    settings,
  );
}
