import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/database.ts';
import type { CountingMode } from '../nps/counts.ts';
import { type Period, periodContaining } from '../nps/periods.ts';
import { roundNps } from '../nps/score.ts';
import { compareNps, type NpsComparison } from '../nps/significance.ts';
import { npsReport, type ReportRow } from './nps-report.ts';
import { addCounts, categoryCounts, EMPTY_COUNTS } from './report-cell.ts';

/*
 * A drop alert: a CSM's or a team's NPS this month (so far) falls significantly (z-test, p < 0.05,
 * at least the minimum n on both sides) below its previous three months, pooled. The owner (the
 * CSM, or the team's manager) is told once per scope and month.
 */

export interface NpsDrop {
  scope: 'csm' | 'team';
  /** The CSM, or the team's manager: who is told. */
  owner: { id: number; name: string; email: string };
  label: string;
  month: Period;
  current: { nps: number; n: number };
  before: { nps: number; n: number; from: Period; to: Period };
  comparison: NpsComparison;
}

export interface DropSettings {
  now: Date;
  timeZone: string;
  counting: CountingMode;
  minimumResponses: number;
}

const MONTHS_BEFORE = 3;

export async function npsDrops(db: Kysely<Database>, { now, timeZone, counting, minimumResponses }: DropSettings): Promise<NpsDrop[]> {
  const month = periodContaining(now, 'month', timeZone);
  const from = DateTime.fromJSDate(month.start, { zone: timeZone }).minus({ months: MONTHS_BEFORE }).toISODate()!;
  const to = DateTime.fromJSDate(month.start, { zone: timeZone }).toISODate()!;
  const request = { unit: 'month' as const, from, to, counting, minimumResponses, compare: { previous: false, yearBefore: false }, distribution: false, viewer: { kind: 'everything' as const } };
  const drops: NpsDrop[] = [];
  for (const scope of ['csm', 'team'] as const) {
    const report = await npsReport(db, { ...request, grouping: { dimension: scope } }, { now, timeZone });
    const earlier = report.periods.slice(0, MONTHS_BEFORE);
    for (const row of report.rows) {
      const drop = dropOf(row, minimumResponses);
      if (!drop || !row.csm) continue;
      drops.push({ scope, owner: { id: row.csm.id, name: row.csm.name, email: row.csm.email }, label: row.label, month, ...drop, before: { ...drop.before, from: earlier[0]!, to: earlier.at(-1)! } });
    }
  }
  return drops;
}

function dropOf(row: ReportRow, minimum: number): Pick<NpsDrop, 'current' | 'comparison'> & { before: { nps: number; n: number } } | null {
  const current = row.cells.at(-1)!;
  const before = row.cells.slice(0, -1).map(categoryCounts).reduce(addCounts, EMPTY_COUNTS);
  const beforeN = before.promoters + before.passives + before.detractors;
  if (current.n < minimum || beforeN < minimum || current.nps === null) return null;
  const comparison = compareNps(categoryCounts(current), before);
  if (!comparison || !comparison.significant || comparison.difference >= 0) return null;
  return { current: { nps: current.nps, n: current.n }, before: { nps: current.nps - comparison.difference, n: beforeN }, comparison };
}

/** The alert as the email's subject and text. */
export function dropAlertEmail(drop: NpsDrop, timeZone: string): { subject: string; text: string } {
  const month = (period: Period) => DateTime.fromJSDate(period.start, { zone: timeZone }).setLocale('en-GB').toFormat('LLLL yyyy');
  const whose = drop.scope === 'team' ? `Your team's` : 'Your';
  const text = [
    `Hi ${drop.owner.name},`,
    '',
    `${whose} NPS in ${month(drop.month)} so far is ${roundNps(drop.current.nps)} (${drop.current.n} responses), down ${roundNps(-drop.comparison.difference)} points from ${roundNps(drop.before.nps)} (${drop.before.n} responses) over ${month(drop.before.from)} to ${month(drop.before.to)}.`,
    `The drop is significant at 95% (p = ${drop.comparison.pValue < 0.001 ? '< 0.001' : drop.comparison.pValue.toFixed(3)}): it is unlikely to be noise.`,
    '',
    `See who answered and why: npsloop report --by ${drop.scope === 'team' ? 'team' : 'csm'} --period month`,
    '',
    '— npsloop',
    '',
  ].join('\n');
  return { subject: `NPS drop: ${drop.label}, ${month(drop.month)}`, text };
}
