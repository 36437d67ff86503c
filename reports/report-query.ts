import { z } from 'zod';
import { countingModeSchema } from '../nps/counts.ts';
import { periodUnitSchema } from '../nps/periods.ts';
import { ATTRIBUTE_DIMENSIONS, attributePathSchema, type ReportGrouping, reportDimensionSchema } from './dimensions.ts';
import type { NpsReportRequest, ReportViewer } from './nps-report.ts';

/*
 * A report as a query string or a command line asks for it: every value is text. The HTTP API and
 * the CLI read it with this one schema, so both take the same names and say the same things about
 * a mistake, at the parameter that holds it.
 */

const COMPARISONS = ['previous', 'year_before'] as const;
/** A range bound as reports and goal statuses take it. */
export const isoBound = z.union([z.iso.date(), z.iso.datetime({ offset: true, local: true })], {
  error: 'must be an ISO date (2026-03-31) or date-time (2026-03-31T18:00, optionally with Z or ±HH:MM)',
});

export const reportQuerySchema = z
  .object({
    by: reportDimensionSchema.default('csm').describe('what each row is; csm and team credit the CSM who owned the account when the response was given'),
    attribute: attributePathSchema.optional().describe('for by=account_attribute or by=user_attribute: a JSON path such as $.plan'),
    period: periodUnitSchema.default('month').describe('weeks start on Monday; all periods are in the instance time zone'),
    from: isoBound.optional().describe('the first period is the one holding this date (default: the start of the month 11 months ago)'),
    to: isoBound.optional().describe('the last period is the one holding this date, included (default: today)'),
    counting: countingModeSchema.optional().describe('every_response, or latest_per_user: each user\'s latest response per period (default: the instance\'s)'),
    minimum: z.coerce.number().int().min(1).max(1_000_000).optional().describe('cells with fewer responses are flagged not_enough_responses (default: the instance\'s, 5)'),
    compare: z
      .string()
      .default('previous')
      .describe('previous, year_before, both separated by a comma, or none: each cell\'s change with its z-test'),
    distribution: z.enum(['true', 'false']).default('false').describe('true adds the 0-10 score histogram to every cell'),
  })
  .transform((query, context) => {
    const attributeDimension = (ATTRIBUTE_DIMENSIONS as readonly string[]).includes(query.by);
    if (attributeDimension && query.attribute === undefined) {
      context.addIssue({ code: 'custom', path: ['attribute'], message: `is required with by=${query.by}: a JSON path such as $.plan` });
    }
    if (!attributeDimension && query.attribute !== undefined) {
      context.addIssue({ code: 'custom', path: ['attribute'], message: 'is only for by=account_attribute or by=user_attribute' });
    }
    const compare = query.compare.split(',').map((part) => part.trim());
    const known = [...COMPARISONS, 'none'];
    for (const part of compare) {
      if (!known.includes(part)) context.addIssue({ code: 'custom', path: ['compare'], message: `expected previous, year_before or none, got "${part}"` });
    }
    if (compare.includes('none') && compare.length > 1) context.addIssue({ code: 'custom', path: ['compare'], message: 'none goes alone' });
    const grouping = (attributeDimension ? { dimension: query.by, attribute: query.attribute } : { dimension: query.by }) as ReportGrouping;
    return {
      grouping,
      unit: query.period,
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      counting: query.counting,
      minimum: query.minimum,
      compare: { previous: compare.includes('previous'), yearBefore: compare.includes('year_before') },
      distribution: query.distribution === 'true',
    };
  });

export type ReportQuery = z.output<typeof reportQuerySchema>;

/** The request, with the instance's defaults for what the query left out. */
export function reportRequestOf(
  query: ReportQuery,
  defaults: { counting: NpsReportRequest['counting']; minimumResponses: number },
  viewer: ReportViewer,
): NpsReportRequest {
  const { grouping, unit, from, to, compare, distribution } = query;
  return {
    grouping,
    unit,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    counting: query.counting ?? defaults.counting,
    minimumResponses: query.minimum ?? defaults.minimumResponses,
    compare,
    distribution,
    viewer,
  };
}
