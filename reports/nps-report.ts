import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/database.ts';
import type { CountingMode } from '../nps/counts.ts';
import { type Period, type PeriodUnit, periodAYearBefore, periodsBetween, previousPeriod } from '../nps/periods.ts';
import { resolveWindow } from '../nps/windows.ts';
import { type ChainLink, teamOf, teamsOf } from './csm-teams.ts';
import { noneLabelOf, type ReportGrouping } from './dimensions.ts';
import { type CellCounts, EMPTY_COUNTS, type ReportCell, addCounts, cellChange, reportCell } from './report-cell.ts';
import { countsOf, reportCounts } from './report-counts-query.ts';

/*
 * "NPS by DIMENSION by PERIOD over RANGE". Every cell is true NPS over its responses, with n, the
 * category counts, the 95% margin and a flag under the minimum n; totals and teams are pooled
 * responses, never averages of NPS figures. Changes use the z-test of nps-maths.md.
 */

/** Who reads the report: everything, or the responses credited to a CSM and everyone under them. */
export type ReportViewer = { kind: 'everything' } | { kind: 'team_of'; csmId: number };

export interface NpsReportRequest {
  grouping: ReportGrouping;
  unit: PeriodUnit;
  /** ISO dates or date-times in the time zone, as custom windows take them; `to` is inclusive for a date. Default: the last 12 months. */
  from?: string;
  to?: string;
  counting: CountingMode;
  /** Cells with fewer responses are flagged, not hidden. */
  minimumResponses: number;
  compare: { previous: boolean; yearBefore: boolean };
  /** Adds the 0–10 histogram to every cell. */
  distribution: boolean;
  viewer: ReportViewer;
  /**
   * Only these accounts' responses are counted (an account page's trend, the accounts grid's
   * sparklines); the total is then theirs, not the company's. Undefined: every account's.
   */
  accounts?: readonly number[];
}

export interface ReportSettings {
  now: Date;
  timeZone: string;
}

export interface ReportPeriod extends Period {
  /** The period has not ended: its figures are so far. */
  partial: boolean;
}

export interface ReportRow {
  /** A CSM or account id, a segment, a source…; null for responses without one (no CSM, no segment). */
  key: string | null;
  label: string;
  csm?: { id: number; externalId: string; name: string; email: string };
  account?: { id: number; externalId: string; name: string };
  /** One per period, in order. */
  cells: ReportCell[];
  /** The row over the whole range. */
  total: ReportCell;
}

export interface NpsReport {
  grouping: ReportGrouping;
  unit: PeriodUnit;
  timeZone: string;
  counting: CountingMode;
  minimumResponses: number;
  /** The range: from the first period's start to the last one's end. */
  from: Date;
  to: Date;
  periods: ReportPeriod[];
  rows: ReportRow[];
  /** The company: every response, whoever reads the report (every response of `accounts`, when asked for). */
  total: ReportRow;
}

interface CsmRecord extends ChainLink {
  externalId: string;
  name: string;
  email: string;
}

/** A range that cannot be reported: it ends before it starts, or holds too many periods. */
export class ReportRangeError extends RangeError {
  constructor(
    message: string,
    /** The parameter to change. */
    readonly parameter: 'from' | 'to',
  ) {
    super(message);
    this.name = 'ReportRangeError';
  }
}

/** The default range: this month and the 11 before it. */
export const DEFAULT_RANGE_MONTHS = 12;

export async function npsReport(db: Kysely<Database>, request: NpsReportRequest, { now, timeZone }: ReportSettings): Promise<NpsReport> {
  const { from, to } = rangeOf(request, { now, timeZone });
  const periods = periodsOf(from, to, request.unit, timeZone);
  const first = periods[0]!;
  const last = periods.at(-1)!;
  const earlier = periods.map((period) => ({
    previous: request.compare.previous ? previousPeriod(period, request.unit, timeZone) : null,
    yearBefore: request.compare.yearBefore ? periodAYearBefore(period, request.unit, timeZone) : null,
  }));
  const countedFrom = new Date(
    Math.min(first.start.getTime(), ...earlier.flatMap(({ previous, yearBefore }) => [previous, yearBefore].flatMap((p) => (p ? [p.start.getTime()] : [])))),
  );

  const csms = await csmRecords(db);
  const teams = teamsOf(csms);
  const creditedTo = request.viewer.kind === 'everything' ? undefined : teamOf(csms, request.viewer.csmId);
  const counts = await reportCounts(db, {
    grouping: request.grouping,
    unit: request.unit,
    timeZone,
    counting: request.counting,
    from: countedFrom,
    to: last.end,
    totalsFrom: first.start,
    ...(creditedTo ? { creditedTo } : {}),
    ...(request.accounts ? { accounts: request.accounts } : {}),
    ...(request.grouping.dimension === 'team' ? { teams } : {}),
    distribution: request.distribution,
  });

  const cellsByRow = new Map<string | null, Map<number, CellCounts>>();
  const periodTotals = new Map<number, CellCounts>();
  const rowTotals = new Map<string | null, CellCounts>();
  let grandTotal: CellCounts | undefined;
  for (const row of counts) {
    const tally = countsOf(row);
    if (row.level === 'cell') {
      const cells = cellsByRow.get(row.group_key) ?? new Map<number, CellCounts>();
      cells.set(row.period_start!.getTime(), tally);
      cellsByRow.set(row.group_key, cells);
    } else if (row.level === 'period_total') periodTotals.set(row.period_start!.getTime(), tally);
    else if (row.level === 'row_total') rowTotals.set(row.group_key, tally);
    else grandTotal = tally;
  }

  const reportPeriods = periods.map((period) => ({ ...period, partial: period.end.getTime() > now.getTime() }));
  const minimum = request.minimumResponses;
  const rowOf = (byPeriod: ReadonlyMap<number, CellCounts>, pooled: CellCounts | undefined) => {
    const at = (period: Period | null) => (period ? byPeriod.get(period.start.getTime()) ?? EMPTY_COUNTS : undefined);
    const cells = periods.map((period, i) => {
      const current = at(period)!;
      const cell = reportCell(current, minimum);
      const { previous, yearBefore } = earlier[i]!;
      if (request.compare.previous) cell.changeFromPrevious = previous ? cellChange(current, at(previous)!, previous.key) : null;
      if (request.compare.yearBefore) cell.changeFromYearBefore = yearBefore ? cellChange(current, at(yearBefore)!, yearBefore.key) : null;
      return cell;
    });
    // Every response: a row over the range is the sum of its periods. Latest per user: counted apart.
    const total = pooled ?? periods.map((period) => at(period)!).reduce(addCounts, EMPTY_COUNTS);
    return { cells, total: reportCell(total, minimum) };
  };

  const labels = await rowLabels(db, request.grouping, [...cellsByRow.keys()], csms);
  const keys = new Set(cellsByRow.keys());
  // Every CSM or team the reader may see is a row, with or without responses.
  if (request.grouping.dimension === 'csm') for (const csm of csms) if (!creditedTo || creditedTo.includes(csm.id)) keys.add(String(csm.id));
  if (request.grouping.dimension === 'team') for (const team of teams.keys()) if (!creditedTo || creditedTo.includes(team)) keys.add(String(team));
  const pooledRow = (key: string | null) => (request.counting === 'latest_per_user' ? rowTotals.get(key) ?? EMPTY_COUNTS : undefined);
  const rows = [...keys]
    .map((key) => ({ ...(labels.get(key) ?? { label: key ?? noneLabelOf(request.grouping) }), key, ...rowOf(cellsByRow.get(key) ?? new Map(), pooledRow(key)) }))
    .sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.label.localeCompare(b.label, 'en') || a.key.localeCompare(b.key)));

  const companyPooled = request.counting === 'latest_per_user' ? grandTotal ?? EMPTY_COUNTS : undefined;
  return {
    grouping: request.grouping,
    unit: request.unit,
    timeZone,
    counting: request.counting,
    minimumResponses: minimum,
    from: first.start,
    to: last.end,
    periods: reportPeriods,
    rows,
    total: { key: null, label: 'Company', ...rowOf(periodTotals, companyPooled) },
  };
}

/** [from, to) of the periods asked for; by default this month and the eleven before it. */
function rangeOf(request: NpsReportRequest, { now, timeZone }: ReportSettings): { from: Date; to: Date } {
  const defaultFrom = DateTime.fromJSDate(now, { zone: timeZone }).startOf('month').minus({ months: DEFAULT_RANGE_MONTHS - 1 });
  if (request.from === undefined && request.to === undefined) return { from: defaultFrom.toJSDate(), to: now };
  const from = request.from ?? defaultFrom.toISODate()!;
  const to = request.to ?? DateTime.fromJSDate(now, { zone: timeZone }).toISODate()!;
  try {
    const window = resolveWindow({ kind: 'custom', from, to }, { now, timeZone });
    return { from: window.start, to: window.end };
  } catch (error) {
    if (error instanceof RangeError) throw new ReportRangeError(`from ${from} to ${to}: the range ends before it starts`, 'to');
    throw error;
  }
}

function periodsOf(from: Date, to: Date, unit: PeriodUnit, timeZone: string): Period[] {
  try {
    return periodsBetween(from, to, unit, timeZone);
  } catch (error) {
    if (error instanceof RangeError) throw new ReportRangeError(error.message, 'from');
    throw error;
  }
}

async function csmRecords(db: Kysely<Database>): Promise<CsmRecord[]> {
  const rows = await db.selectFrom('csms').select(['id', 'external_id', 'name', 'email', 'manager_id']).execute();
  return rows.map((row) => ({ id: row.id, externalId: row.external_id, name: row.name, email: row.email, managerId: row.manager_id }));
}

type RowLabel = Pick<ReportRow, 'label' | 'csm' | 'account'>;

async function rowLabels(db: Kysely<Database>, grouping: ReportGrouping, keys: (string | null)[], csms: readonly CsmRecord[]): Promise<Map<string | null, RowLabel>> {
  if (grouping.dimension === 'csm' || grouping.dimension === 'team') {
    const team = grouping.dimension === 'team';
    return new Map(
      csms.map(({ id, externalId, name, email }) => [String(id), { label: team ? `${name}'s team` : name, csm: { id, externalId, name, email } }]),
    );
  }
  if (grouping.dimension === 'company') return new Map([['company', { label: 'Company' }]]);
  if (grouping.dimension !== 'account') return new Map();
  const ids = keys.flatMap((key) => (key === null ? [] : [Number(key)]));
  if (ids.length === 0) return new Map();
  const accounts = await db.selectFrom('accounts').select(['id', 'external_id', 'name']).where('id', 'in', ids).execute();
  return new Map(accounts.map(({ id, external_id, name }) => [String(id), { label: name, account: { id, externalId: external_id, name } }]));
}
