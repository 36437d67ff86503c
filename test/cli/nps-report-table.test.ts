import { describe, expect, it } from 'vitest';
import { formatNpsReportTable } from '../../cli/nps-report-table.ts';
import type { NpsReport, ReportRow } from '../../reports/nps-report.ts';
import { cellChange, reportCell } from '../../reports/report-cell.ts';

const march = { key: '2026-03', label: 'Mar 2026', start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z'), partial: false };
const april = { key: '2026-04', label: 'Apr 2026', start: new Date('2026-04-01T00:00:00Z'), end: new Date('2026-05-01T00:00:00Z'), partial: true };

function row(label: string, counts: [number, number, number][]): ReportRow {
  const tallies = counts.map(([promoters, passives, detractors]) => ({ promoters, passives, detractors }));
  const cells = tallies.map((tally, i) => ({ ...reportCell(tally, 5), changeFromPrevious: i === 0 ? null : cellChange(tally, tallies[i - 1]!, 'prev') }));
  const total = tallies.reduce((a, b) => ({ promoters: a.promoters + b.promoters, passives: a.passives + b.passives, detractors: a.detractors + b.detractors }));
  return { key: label, label, cells, total: reportCell(total, 5) };
}

const report: NpsReport = {
  grouping: { dimension: 'csm' },
  unit: 'month',
  timeZone: 'Europe/Paris',
  counting: 'every_response',
  minimumResponses: 5,
  from: march.start,
  to: april.end,
  periods: [march, april],
  rows: [row('Ana', [[10, 0, 90], [90, 0, 10]]), row('Ben', [[1, 1, 1], [0, 0, 0]])],
  total: row('Company', [[11, 1, 91], [90, 0, 10]]),
};

describe('the report as a terminal table', () => {
  it('puts periods in columns, marks thin cells and significant changes, and explains the marks', () => {
    const text = formatNpsReportTable(report, { colour: false });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^CSM\s+Mar 2026\s+Apr 2026 \(so far\)\s+Total$/);
    expect(lines[2]).toMatch(/^Ana\s+-80 \(100\)\s+▲80 \(100\)\s+0 \(200\)$/);
    expect(lines[3]).toMatch(/^Ben\s+0 \(3\)\*\s+–\s+0 \(3\)\*$/);
    expect(lines[5]).toMatch(/^Company\s+/);
    expect(lines.at(-1)).toBe(
      'NPS (n) in Europe/Paris, every response; * fewer than 5 responses; ▲▼ significant change from the previous period (95%); – no responses',
    );
  });

  it('colours each figure by its band on a colour terminal, keeping the columns aligned', () => {
    const plain = formatNpsReportTable(report, { colour: false }).split('\n');
    const coloured = formatNpsReportTable(report, { colour: true }).split('\n');
    expect(coloured[2]).toContain('\u001b[31m'); // −80: red
    expect(coloured[2]).toContain('\u001b[32m'); // 80: green
    expect(coloured[3]).toContain('\u001b[33m'); // 0: amber
    // eslint-disable-next-line no-control-regex
    expect(coloured.map((line) => line.replace(/\u001b\[\d+m/g, ''))).toEqual(plain);
  });
});
