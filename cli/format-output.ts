import { stringify } from 'csv-stringify/sync';
import { defuseSpreadsheetFormula } from '../reports/report-csv.ts';

/** A time to the minute in UTC, as tables show it ("2026-12-05 09:30"); nothing for no time. */
export function formatMinute(at: Date | string | null): string {
  if (at === null) return '';
  return (typeof at === 'string' ? at : at.toISOString()).slice(0, 16).replace('T', ' ');
}

/** Rows as JSON (`--json`) or as a table of the cells `tableRow` gives each. */
export function printRows<T>(rows: readonly T[], { json }: { json?: boolean }, tableRow: (row: T) => Record<string, string>): void {
  console.log(json ? JSON.stringify(rows, null, 2) : formatTable(rows.map(tableRow)));
}

/** A plain aligned text table; the columns are the first row's keys. */
export function formatTable(rows: Record<string, string>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c] ?? '')))].join('\n');
}

/** RFC 4180 CSV with a header line; arrays are joined with ";", times are ISO 8601, formulas defused. */
export function formatCsv(rows: readonly object[]): string {
  if (rows.length === 0) return '';
  return stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: Object.keys(rows[0]!),
    cast: {
      boolean: (value) => String(value),
      date: (value) => value.toISOString(),
      object: (value) => (Array.isArray(value) ? defuseSpreadsheetFormula(value.join(';')) : JSON.stringify(value)),
      string: defuseSpreadsheetFormula,
    },
  });
}
