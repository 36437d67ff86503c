import { expect, it } from 'vitest';
import { npsReport, type NpsReport, type NpsReportRequest } from '../../reports/nps-report.ts';
import type { ReportCell } from '../../reports/report-cell.ts';
import { aCsm, anAccount, aReportRequest, responses } from '../fixtures/report-instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2027-06-01T00:00:00Z');
const utc = { now, timeZone: 'UTC' };
const paris = { now, timeZone: 'Europe/Paris' };

/** A row's cells as "n:nps" per period, easy to compare with figures worked out by hand. */
const figures = (cells: ReportCell[]) => cells.map((c) => `${c.n}:${c.nps === null ? '-' : Math.round(c.nps * 100) / 100}`);
const rowNamed = (report: NpsReport, label: string) => {
  const row = report.rows.find((r) => r.label === label);
  if (!row) throw new Error(`no row ${label} in ${report.rows.map((r) => r.label).join(', ')}`);
  return row;
};

describeEachBackend('NPS report', (database) => {
  const db = () => database().kysely;
  const report = (overrides: Partial<NpsReportRequest>, settings = utc) => npsReport(db(), aReportRequest(overrides), settings);

  it('credits responses before and after a handover in the middle of a month to each CSM', async () => {
    const ana = await aCsm(db(), 'Ana');
    const ben = await aCsm(db(), 'Ben');
    await anAccount(db(), { owners: [{ csm: ana }, { csm: ben, from: '2026-03-15T00:00:00Z' }], users: ['u1@a.example', 'u2@a.example'] });
    await responses(db(), [
      ['u1@a.example', 3, '2026-02-10T09:00:00Z'],
      ['u1@a.example', 10, '2026-03-02T09:00:00Z'],
      ['u2@a.example', 0, '2026-03-14T23:59:59Z'],
      ['u1@a.example', 9, '2026-03-15T00:00:00Z'],
      ['u2@a.example', 8, '2026-03-25T09:00:00Z'],
      ['u2@a.example', 7, '2026-03-20T09:00:00Z', 'corrected'],
    ]);
    // The survey tool corrects the time of an answer: it moves to the owner of the new time.
    await responses(db(), [['u2@a.example', 7, '2026-02-20T09:00:00Z', 'corrected']]);
    const result = await report({ from: '2026-02-01', to: '2026-03-31' });
    expect(result.periods.map((p) => p.key)).toEqual(['2026-02', '2026-03']);
    expect(result.periods.every((p) => !p.partial)).toBe(true);
    const anaRow = rowNamed(result, 'Ana');
    const benRow = rowNamed(result, 'Ben');
    expect(figures(anaRow.cells)).toEqual(['2:-50', '2:0']);
    expect(figures(benRow.cells)).toEqual(['0:-', '2:50']);
    expect(anaRow.total).toMatchObject({ n: 4, promoters: 1, passives: 1, detractors: 2, flag: 'not_enough_responses' });
    expect(anaRow.cells[1]!.changeFromPrevious).toMatchObject({ against: '2026-02', previousNps: -50, difference: 50 });
    expect(benRow.cells[0]).toMatchObject({ flag: 'no_responses', nps: null, marginOfError: null });
    expect(benRow.cells[1]!.changeFromPrevious).toMatchObject({ against: '2026-02', previousNps: null, difference: null, significant: false });
    expect(figures(result.total.cells)).toEqual(['2:-50', '4:25']);
    expect(result.total.total).toMatchObject({ n: 6, promoters: 2, passives: 2, detractors: 2 });
  });

  it('puts month and quarter edges where the configured zone puts them, across daylight-saving changes', async () => {
    const ana = await aCsm(db(), 'Ana');
    await anAccount(db(), { owners: [{ csm: ana }], users: ['p@a.example'] });
    await responses(db(), [
      ['p@a.example', 10, '2026-03-29T00:30:00Z'], // 01:30 CET, half an hour before the clocks go forward: March
      ['p@a.example', 10, '2026-03-31T21:30:00Z'], // 23:30 CEST on 31 March: March, Q1
      ['p@a.example', 0, '2026-03-31T22:30:00Z'], // 00:30 CEST on 1 April: April, Q2 (still March in UTC)
      ['p@a.example', 0, '2026-10-25T00:30:00Z'], // 02:30 CEST on the day the clocks go back: October
      ['p@a.example', 9, '2026-10-31T23:30:00Z'], // 00:30 CET on 1 November: November, Q4
    ]);
    const byMonth = await report({ grouping: { dimension: 'company' }, from: '2026-03-01', to: '2026-11-30' }, paris);
    expect(byMonth.periods.map((p) => p.key)).toEqual(['2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(byMonth.periods[0]!.start).toEqual(new Date('2026-02-28T23:00:00Z'));
    expect(byMonth.periods[1]!.start).toEqual(new Date('2026-03-31T22:00:00Z'));
    expect(byMonth.periods[8]!.start).toEqual(new Date('2026-10-31T23:00:00Z'));
    expect(figures(byMonth.total.cells)).toEqual(['2:100', '1:-100', '0:-', '0:-', '0:-', '0:-', '0:-', '1:-100', '1:100']);
    expect(figures(rowNamed(byMonth, 'Company').cells)).toEqual(figures(byMonth.total.cells));

    const byQuarter = await report({ grouping: { dimension: 'company' }, unit: 'quarter', from: '2026-01-01', to: '2026-12-31' }, paris);
    expect(byQuarter.periods.map((p) => p.key)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    expect(figures(byQuarter.total.cells)).toEqual(['2:100', '1:-100', '0:-', '2:0']);

    const inUtc = await report({ grouping: { dimension: 'company' }, unit: 'quarter', from: '2026-01-01', to: '2026-12-31' }, utc);
    expect(figures(inUtc.total.cells)).toEqual(['3:33.33', '0:-', '0:-', '2:0']);
  });

  it('keeps a week that crosses the new year whole (ISO weeks start on Monday)', async () => {
    const ana = await aCsm(db(), 'Ana');
    await anAccount(db(), { owners: [{ csm: ana }], users: ['w@a.example'] });
    await responses(db(), [
      ['w@a.example', 10, '2026-12-31T12:00:00Z'],
      ['w@a.example', 0, '2027-01-03T23:59:59Z'],
      ['w@a.example', 9, '2027-01-04T00:00:00Z'],
    ]);
    const result = await report({ grouping: { dimension: 'company' }, unit: 'week', from: '2026-12-28', to: '2027-01-10' });
    expect(result.periods.map((p) => [p.key, p.start.toISOString()])).toEqual([
      ['2026-W53', '2026-12-28T00:00:00.000Z'],
      ['2027-W01', '2027-01-04T00:00:00.000Z'],
    ]);
    expect(figures(result.total.cells)).toEqual(['2:0', '1:100']);
  });

  it("counts each user's latest response per period, and over the range for a row's total", async () => {
    const ana = await aCsm(db(), 'Ana');
    await anAccount(db(), { owners: [{ csm: ana }], users: ['a@a.example', 'b@a.example'] });
    await responses(db(), [
      ['a@a.example', 2, '2026-03-02T09:00:00Z'],
      ['b@a.example', 9, '2026-03-10T09:00:00Z'],
      ['a@a.example', 10, '2026-03-20T09:00:00Z'],
      ['a@a.example', 0, '2026-04-05T09:00:00Z'],
      ['a@a.example', 7, '2026-04-06T09:00:00Z'],
    ]);
    const range = { from: '2026-03-01', to: '2026-04-30' };
    const every = await report({ ...range, counting: 'every_response' });
    expect(figures(rowNamed(every, 'Ana').cells)).toEqual(['3:33.33', '2:-50']);
    expect(rowNamed(every, 'Ana').total).toMatchObject({ n: 5, promoters: 2, passives: 1, detractors: 2 });
    const latest = await report({ ...range, counting: 'latest_per_user' });
    // March: a's 10 and b's 9. April: a's later answer (7).
    expect(figures(rowNamed(latest, 'Ana').cells)).toEqual(['2:100', '1:0']);
    // Over both months: a's last answer (7) and b's 9.
    expect(rowNamed(latest, 'Ana').total).toMatchObject({ n: 2, promoters: 1, passives: 1, detractors: 0 });
    expect(latest.total.total).toMatchObject({ n: 2, promoters: 1, passives: 1 });
    expect(figures(latest.total.cells)).toEqual(['2:100', '1:0']);
  });

  it("rolls a team up over its members' responses at any depth, not as an average of their NPS", async () => {
    const dana = await aCsm(db(), 'Dana');
    const max = await aCsm(db(), 'Max', dana);
    const xia = await aCsm(db(), 'Xia', max);
    const yan = await aCsm(db(), 'Yan', max);
    const zoe = await aCsm(db(), 'Zoe', dana);
    await anAccount(db(), { owners: [{ csm: xia }], users: ['x1@x.example'] });
    await anAccount(db(), { owners: [{ csm: yan }], users: ['y1@y.example', 'y2@y.example', 'y3@y.example', 'y4@y.example'] });
    await anAccount(db(), { owners: [{ csm: zoe }], users: ['z1@z.example', 'z2@z.example'] });
    const march = '2026-03-10T09:00:00Z';
    await responses(db(), [
      ['x1@x.example', 10, march],
      ['y1@y.example', 0, march],
      ['y2@y.example', 0, march],
      ['y3@y.example', 0, march],
      ['y4@y.example', 10, march],
      ['z1@z.example', 9, march],
      ['z2@z.example', 9, march],
    ]);
    const range = { from: '2026-03-01', to: '2026-03-31' };
    const byCsm = await report(range);
    expect(byCsm.rows.map((r) => [r.label, ...figures(r.cells)])).toEqual([
      ['Dana', '0:-'],
      ['Max', '0:-'],
      ['Xia', '1:100'],
      ['Yan', '4:-50'],
      ['Zoe', '2:100'],
    ]);
    const byTeam = await report({ ...range, grouping: { dimension: 'team' } });
    // Max's team: 2 promoters, 3 detractors of 5 = −20, where the average of Xia's and Yan's NPS is 25.
    expect(byTeam.rows.map((r) => [r.label, ...figures(r.cells)])).toEqual([
      ["Dana's team", '7:14.29'],
      ["Max's team", '5:-20'],
    ]);
    expect(byTeam.total.total.n).toBe(7);

    // A manager sees their team's rows; a CSM their own; both see the company's total.
    const managerView = await report({ ...range, viewer: { kind: 'team_of', csmId: max.id } });
    expect(managerView.rows.map((r) => r.label)).toEqual(['Max', 'Xia', 'Yan']);
    expect(managerView.total.total.n).toBe(7);
    const csmView = await report({ ...range, viewer: { kind: 'team_of', csmId: xia.id } });
    expect(csmView.rows.map((r) => [r.label, ...figures(r.cells)])).toEqual([['Xia', '1:100']]);
    const teamsForMax = await report({ ...range, grouping: { dimension: 'team' }, viewer: { kind: 'team_of', csmId: max.id } });
    expect(teamsForMax.rows.map((r) => r.label)).toEqual(["Max's team"]);
    const bySegmentForYan = await report({ ...range, grouping: { dimension: 'account' }, viewer: { kind: 'team_of', csmId: yan.id } });
    expect(bySegmentForYan.rows.map((r) => figures(r.cells))).toEqual([['4:-50']]);
  });

  it('tells a significant change from noise (nps-maths.md: 30 → 20 at n = 100 and at n = 1,000)', async () => {
    const ana = await aCsm(db(), 'Ana');
    const small = await anAccount(db(), { owners: [{ csm: ana }], users: ['s@small.example'], name: 'Small' });
    const big = await anAccount(db(), { owners: [{ csm: ana }], users: ['b@big.example'], name: 'Big' });
    const month = (email: string, n: number, promoterShare: number, detractorShare: number, day: string) => {
      const promoters = Math.round(n * promoterShare);
      const detractors = Math.round(n * detractorShare);
      return Array.from({ length: n }, (_, i): [string, number, string] => [email, i < promoters ? 10 : i < promoters + detractors ? 0 : 8, day]);
    };
    await responses(db(), [
      ...month('s@small.example', 100, 0.5, 0.2, '2026-02-10T09:00:00Z'),
      ...month('s@small.example', 100, 0.45, 0.25, '2026-03-10T09:00:00Z'),
      ...month('b@big.example', 1000, 0.5, 0.2, '2026-02-10T09:00:00Z'),
      ...month('b@big.example', 1000, 0.45, 0.25, '2026-03-10T09:00:00Z'),
    ]);
    const result = await report({ grouping: { dimension: 'account' }, from: '2026-02-01', to: '2026-03-31' });
    expect(result.rows.map((r) => r.label)).toEqual(['Big', 'Small']);
    expect(rowNamed(result, 'Small').account).toMatchObject({ id: small.id, externalId: small.external_id });
    const noise = rowNamed(result, 'Small').cells[1]!.changeFromPrevious!;
    expect(noise.difference).toBeCloseTo(-10, 9);
    expect(noise.z).toBeCloseTo(-0.1 / Math.sqrt(1.27 / 100), 9);
    expect(noise.pValue).toBeCloseTo(0.37, 2);
    expect(noise.significant).toBe(false);
    const real = rowNamed(result, 'Big').cells[1]!.changeFromPrevious!;
    expect(real.z).toBeCloseTo(-0.1 / Math.sqrt(1.27 / 1000), 9);
    expect(real.pValue).toBeLessThan(0.01);
    expect(real.significant).toBe(true);
    expect(rowNamed(result, 'Big').account?.id).toBe(big.id);
  });

  it('groups by segment, role and an attribute path, compares with a year before, and gives the 0–10 histogram', async () => {
    const ana = await aCsm(db(), 'Ana');
    await anAccount(db(), { owners: [{ csm: ana }], users: ['e1@e.example', 'e2@e.example'], segment: 'Enterprise', attributes: { billing: { plan: 'gold' } }, roles: { 'e1@e.example': 'admin' } });
    await anAccount(db(), { owners: [{ csm: ana }], users: ['n1@n.example'], attributes: { billing: { plan: 'free' } } });
    await responses(db(), [
      ['e1@e.example', 10, '2025-03-10T09:00:00Z'],
      ['e1@e.example', 6, '2026-03-10T09:00:00Z'],
      ['e2@e.example', 10, '2026-03-11T09:00:00Z'],
      ['n1@n.example', 7, '2026-03-12T09:00:00Z'],
    ]);
    const range = { from: '2026-03-01', to: '2026-03-31' };
    const bySegment = await report({ ...range, grouping: { dimension: 'segment' }, compare: { previous: false, yearBefore: true }, distribution: true });
    expect(bySegment.rows.map((r) => [r.key, r.label, ...figures(r.cells)])).toEqual([
      ['Enterprise', 'Enterprise', '2:0'],
      [null, '(no segment)', '1:0'],
    ]);
    const enterprise = rowNamed(bySegment, 'Enterprise').cells[0]!;
    expect(enterprise.changeFromYearBefore).toMatchObject({ against: '2025-03', previousNps: 100, difference: -100 });
    expect(enterprise).not.toHaveProperty('changeFromPrevious');
    expect(enterprise.distribution).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(bySegment.total.cells[0]!.distribution).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1]);

    const byRole = await report({ ...range, grouping: { dimension: 'role' } });
    expect(byRole.rows.map((r) => [r.label, ...figures(r.cells)])).toEqual([
      ['admin', '1:-100'],
      ['(no role)', '2:50'],
    ]);
    const byPlan = await report({ ...range, grouping: { dimension: 'account_attribute', attribute: '$.billing.plan' } });
    expect(byPlan.rows.map((r) => [r.label, ...figures(r.cells)])).toEqual([
      ['free', '1:0'],
      ['gold', '2:0'],
    ]);
  });

  it('defaults to this month and the eleven before it, the current one marked as partial', async () => {
    const ana = await aCsm(db(), 'Ana');
    await anAccount(db(), { owners: [{ csm: ana }], users: ['d@a.example'] });
    const result = await report({}, { now: new Date('2026-12-04T10:00:00Z'), timeZone: 'America/New_York' });
    expect(result.periods.map((p) => p.key)).toEqual([
      '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12',
    ]);
    expect(result.periods.map((p) => p.partial)).toEqual([...Array(11).fill(false), true]);
    expect(result.from).toEqual(new Date('2026-01-01T05:00:00Z'));
    expect(result.rows.map((r) => [r.label, r.total.n])).toEqual([['Ana', 0]]);
  });
});
