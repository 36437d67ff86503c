import { stringify } from 'csv-stringify/sync';
import type { NpsReport, ReportRow } from './nps-report.ts';
import type { ReportCell } from './report-cell.ts';

/*
 * A report as CSV, long form: one line per row and period, then the row over the whole range
 * (period "total"), the company last. Long form is what a spreadsheet pivots and a BI tool loads.
 */

const COLUMNS = [
  'dimension',
  'key',
  'label',
  'period',
  'period_start',
  'period_end',
  'partial',
  'n',
  'promoters',
  'passives',
  'detractors',
  'nps',
  'margin_of_error',
  'flag',
  'change_from_previous',
  'change_from_previous_p_value',
  'change_from_previous_significant',
  'change_from_year_before',
  'change_from_year_before_p_value',
  'change_from_year_before_significant',
] as const;

type CsvLine = Record<(typeof COLUMNS)[number], string | number | boolean | null>;

export function reportCsv(report: NpsReport): string {
  const dimension = report.grouping.dimension === 'account_attribute' || report.grouping.dimension === 'user_attribute'
    ? `${report.grouping.dimension}:${report.grouping.attribute}`
    : report.grouping.dimension;
  const linesOf = (row: ReportRow): CsvLine[] => [
    ...row.cells.map((cell, i) => {
      const period = report.periods[i]!;
      return line(dimension, row, period.key, period.start.toISOString(), period.end.toISOString(), period.partial, cell);
    }),
    line(dimension, row, 'total', report.from.toISOString(), report.to.toISOString(), report.periods.some((p) => p.partial), row.total),
  ];
  return stringify([...report.rows, report.total].flatMap(linesOf), {
    header: true,
    columns: [...COLUMNS],
    cast: { boolean: (value) => String(value), string: defuseSpreadsheetFormula },
  });
}

function line(dimension: string, row: ReportRow, period: string, start: string, end: string, partial: boolean, cell: ReportCell): CsvLine {
  const previous = cell.changeFromPrevious;
  const yearBefore = cell.changeFromYearBefore;
  return {
    dimension,
    key: row.key,
    label: row.label,
    period,
    period_start: start,
    period_end: end,
    partial,
    n: cell.n,
    promoters: cell.promoters,
    passives: cell.passives,
    detractors: cell.detractors,
    nps: cell.nps,
    margin_of_error: cell.marginOfError,
    flag: cell.flag,
    change_from_previous: previous?.difference ?? null,
    change_from_previous_p_value: previous?.pValue ?? null,
    change_from_previous_significant: previous ? previous.significant : null,
    change_from_year_before: yearBefore?.difference ?? null,
    change_from_year_before_p_value: yearBefore?.pValue ?? null,
    change_from_year_before_significant: yearBefore ? yearBefore.significant : null,
  };
}

/**
 * Text a spreadsheet would run as a formula (a segment named "=HYPERLINK(…)") is prefixed with a
 * quote; negative numbers are left alone.
 */
export function defuseSpreadsheetFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && Number.isNaN(Number(value)) ? `'${value}` : value;
}
