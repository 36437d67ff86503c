import { styleText } from 'node:util';
import type { NpsReport } from '../reports/nps-report.ts';
import { npsBand } from '../reports/nps-band.ts';
import type { ReportCell } from '../reports/report-cell.ts';
import { roundNps } from '../nps/score.ts';

/*
 * A report for the terminal: a row per CSM (team, segment…), periods as columns, each cell
 * "NPS (n)"; "*" marks a cell under the minimum n, ▲/▼ a significant change from the previous
 * period. On a colour terminal a figure is coloured by its band.
 */

const BAND_STYLE = { red: 'red', amber: 'yellow', green: 'green' } as const;

/** Colour on a terminal, unless NO_COLOR asks for none (https://no-color.org). */
export function terminalWantsColour(): boolean {
  return process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '';
}

export function formatNpsReportTable(report: NpsReport, { colour }: { colour: boolean }): string {
  const header = [dimensionTitle(report), ...report.periods.map((p) => p.label + (p.partial ? ' (so far)' : '')), 'Total'];
  const body = [...report.rows, report.total].map((row) => [
    { text: row.label, cell: undefined },
    ...row.cells.map((cell) => ({ text: cellText(cell), cell })),
    { text: cellText(row.total), cell: row.total },
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((line) => line[i]!.text.length)));
  const pad = (text: string, i: number) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  // The caller has decided on colour (it knows where the table goes); styleText is not to guess again.
  const paint = (text: string, cell: ReportCell | undefined) =>
    colour && cell?.nps != null ? styleText(BAND_STYLE[npsBand(cell.nps)], text, { validateStream: false }) : text;
  const lines = [
    header.map(pad).join('  ').trimEnd(),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((line, index) => {
      const text = line.map(({ text: t, cell }, i) => paint(pad(t, i), cell)).join('  ').trimEnd();
      // The company total is set apart from the rows above it.
      return index === body.length - 1 ? `${widths.map((w) => '-'.repeat(w)).join('  ')}\n${text}` : text;
    }),
  ];
  const legend =
    `NPS (n) in ${report.timeZone}, ${report.counting.replaceAll('_', ' ')}; * fewer than ${report.minimumResponses} responses; ` +
    '▲▼ significant change from the previous period (95%); – no responses';
  return `${lines.join('\n')}\n${legend}`;
}

function cellText(cell: ReportCell): string {
  if (cell.nps === null) return '–';
  const change = cell.changeFromPrevious?.significant ? (cell.changeFromPrevious.difference! > 0 ? '▲' : '▼') : '';
  return `${change}${roundNps(cell.nps)} (${cell.n})${cell.flag === 'not_enough_responses' ? '*' : ''}`;
}

function dimensionTitle(report: NpsReport): string {
  const { grouping } = report;
  if (grouping.dimension === 'account_attribute' || grouping.dimension === 'user_attribute') return grouping.attribute;
  return grouping.dimension === 'csm' ? 'CSM' : grouping.dimension[0]!.toUpperCase() + grouping.dimension.slice(1);
}
