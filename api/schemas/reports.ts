import { z } from 'zod';
import { COUNTING_MODES } from '../../nps/counts.ts';
import { PERIOD_UNITS } from '../../nps/periods.ts';
import { REPORT_DIMENSIONS } from '../../reports/dimensions.ts';
import type { NpsReport, ReportPeriod } from '../../reports/nps-report.ts';

/** The response of the report routes, and the view that fills it. */

export const reportPeriodSchema = z.object({
  key: z.string(),
  label: z.string(),
  start: z.string().describe('inclusive'),
  end: z.string().describe('exclusive'),
  partial: z.boolean().describe('the period has not ended: its figures are so far'),
});

export function reportPeriodView({ key, label, start, end, partial }: ReportPeriod): z.infer<typeof reportPeriodSchema> {
  return { key, label, start: start.toISOString(), end: end.toISOString(), partial };
}

export const changeSchema = z
  .object({
    against: z.string().describe('the earlier period'),
    previousNps: z.number().nullable(),
    previousN: z.number().int().describe('responses in the earlier period'),
    difference: z.number().nullable().describe('in NPS points; null when either period has no responses'),
    z: z.number().nullable().describe('null also when both periods are unanimous and differ (z is infinite, p is 0)'),
    pValue: z.number().nullable().describe('two-sided'),
    significant: z.boolean().describe('at 95%: p < 0.05'),
  })
  .meta({ id: 'NpsChange' });

export const cellSchema = z
  .object({
    n: z.number().int(),
    promoters: z.number().int(),
    passives: z.number().int(),
    detractors: z.number().int(),
    nps: z.number().nullable().describe('unrounded; null when there are no responses (not 0)'),
    marginOfError: z.number().nullable().describe('adjusted-Wald 95% margin of error, in points'),
    flag: z.enum(['no_responses', 'not_enough_responses']).nullable().describe('not_enough_responses: n is below the minimum; the figure is still given'),
    distribution: z.array(z.number().int()).length(11).optional().describe('responses per score 0 to 10, with distribution=true'),
    changeFromPrevious: changeSchema.nullable().optional(),
    changeFromYearBefore: changeSchema.nullable().optional().describe('null when there is no such period (a week 53)'),
  })
  .meta({ id: 'NpsReportCell' });

const rowSchema = z.object({
  key: z.string().nullable().describe('a CSM or account id, a segment, a source, an attribute value; null for responses without one'),
  label: z.string(),
  csm: z.object({ id: z.number().int(), externalId: z.string(), name: z.string(), email: z.string() }).optional(),
  account: z.object({ id: z.number().int(), externalId: z.string(), name: z.string() }).optional(),
  cells: z.array(cellSchema).describe('one per period, in order'),
  total: cellSchema.describe('the row over the whole range: pooled responses, not an average'),
});

export const npsReportSchema = z
  .object({
    by: z.enum(REPORT_DIMENSIONS),
    attribute: z.string().optional(),
    period: z.enum(PERIOD_UNITS),
    timeZone: z.string(),
    counting: z.enum(COUNTING_MODES),
    minimumResponses: z.number().int(),
    from: z.string(),
    to: z.string(),
    periods: z.array(reportPeriodSchema),
    rows: z.array(rowSchema).describe('a csm token sees its own rows, a manager their team\'s, an admin all'),
    total: rowSchema.describe('the company: every response, whoever asks'),
  })
  .meta({ id: 'NpsReport' });

export function npsReportView(report: NpsReport): z.infer<typeof npsReportSchema> {
  return {
    by: report.grouping.dimension,
    ...('attribute' in report.grouping ? { attribute: report.grouping.attribute } : {}),
    period: report.unit,
    timeZone: report.timeZone,
    counting: report.counting,
    minimumResponses: report.minimumResponses,
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    periods: report.periods.map(reportPeriodView),
    // Rows and cells already have the published shape.
    rows: report.rows,
    total: report.total,
  };
}
