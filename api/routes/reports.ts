import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { npsReport, type NpsReport, ReportRangeError } from '../../reports/nps-report.ts';
import { reportCsv } from '../../reports/report-csv.ts';
import { type ReportQuery, reportQuerySchema, reportRequestOf } from '../../reports/report-query.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { reportViewerOf } from '../auth/account-scope.ts';
import { npsReportSchema, npsReportView } from '../schemas/reports.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema };

const ROUTE_DESCRIPTION =
  'One cell per row and period: NPS, n, the category counts, the 95% margin and a flag under the minimum n, with the change ' +
  'against the previous period (and the year before) and its z-test. Rows and totals pool responses; a team is a manager and ' +
  'everyone under them. A csm token sees the rows of its CSM (and, for a manager, of everyone under them) and the company total.';

/** NPS by dimension by period: the leaders' reports, as JSON and as CSV. */
export function registerReportRoutes(app: ApiApp, deps: ApiDependencies): void {
  app.get(
    '/reports/nps',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['reports'],
        summary: 'NPS by dimension (CSM, team, segment, …) by period (week, month, quarter, year)',
        description: ROUTE_DESCRIPTION,
        querystring: reportQuerySchema,
        response: { 200: npsReportSchema, ...errors },
      },
    },
    async (request) => npsReportView(await reportFor(request, request.query, deps)),
  );

  app.get(
    '/reports/nps.csv',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['reports'],
        summary: 'the same report as CSV (text/csv): one line per row and period, then the row\'s total; the company last',
        description: ROUTE_DESCRIPTION,
        querystring: reportQuerySchema,
        // Sent as text/csv: Fastify passes a string with a non-JSON type through unserialised.
        response: { 200: z.string().describe('text/csv, RFC 4180, with a header line'), ...errors },
      },
    },
    async (request, reply) => {
      const report = await reportFor(request, request.query, deps);
      const name = `nps-by-${report.grouping.dimension.replaceAll('_', '-')}-by-${report.unit}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(reportCsv(report));
    },
  );
}

async function reportFor(request: FastifyRequest, query: ReportQuery, deps: ApiDependencies): Promise<NpsReport> {
  const defaults = { counting: deps.config.npsCounting, minimumResponses: deps.config.reportMinimumResponses };
  const settings = { now: new Date(), timeZone: deps.config.timeZone };
  return refusingBadRange(() => npsReport(deps.db, reportRequestOf(query, defaults, reportViewerOf(request)), settings));
}

/** A range that cannot be reported is the caller's mistake: a 400 at the parameter to change. */
export async function refusingBadRange<T>(compute: () => Promise<T>): Promise<T> {
  try {
    return await compute();
  } catch (error) {
    if (error instanceof ReportRangeError) {
      throw new ApiError(400, 'invalid_request', 'the querystring does not match the schema', [{ path: `querystring.${error.parameter}`, message: error.message }]);
    }
    throw error;
  }
}
