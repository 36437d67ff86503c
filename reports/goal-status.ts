import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Goal } from '../db/tables/goals.ts';
import type { CountingMode, NpsFigure } from '../nps/counts.ts';
import type { GoalDefinition } from './goal-definition.ts';
import { npsReport, type NpsReport, type ReportPeriod, type ReportRow, type ReportSettings } from './nps-report.ts';
import type { CellChange } from './report-cell.ts';

/*
 * Where each goal stands in each period: met or missed once the period has ended, on or off track
 * while it runs (with the figure so far), and "not enough responses" when the period (or, for an
 * improvement, either period) has fewer than the minimum: a goal is never judged on noise.
 */

export const GOAL_STATUSES = ['met', 'missed', 'on_track', 'off_track', 'not_enough_responses'] as const;
export type GoalStatusValue = (typeof GOAL_STATUSES)[number];

export interface GoalPeriodStatus extends Pick<NpsFigure, 'nps' | 'marginOfError'> {
  period: ReportPeriod;
  status: GoalStatusValue;
  n: number;
  /** The NPS the period had to reach: the goal's, or the previous period's plus the improvement. */
  target: number | null;
  /** For an improvement: the change on the previous period, with whether it is significant at 95%. */
  change?: CellChange | null;
}

export interface GoalStatus {
  goal: { id: number; name: string; version: number; definition: GoalDefinition };
  /** Whose figures: "Company", a CSM's name, "Ann's team", a segment. */
  scopeLabel: string;
  periods: GoalPeriodStatus[];
  /** Set when the goal cannot be followed, e.g. its CSM is no longer in the instance. */
  problem: string | null;
}

export interface StoredGoal {
  id: number;
  name: string;
  version: number;
  definition: GoalDefinition;
}

/** A goal row as the report engine reads it: its definition, validated when it was saved. */
export function storedGoal({ id, name, version, definition }: Goal): StoredGoal {
  return { id, name, version, definition: definition as GoalDefinition };
}

export interface GoalStatusOptions {
  from?: string;
  to?: string;
  counting: CountingMode;
  minimumResponses: number;
}

/** One report per goal: goals are few, each names its own scope and period. */
export async function goalStatuses(db: Kysely<Database>, goals: readonly StoredGoal[], options: GoalStatusOptions, settings: ReportSettings): Promise<GoalStatus[]> {
  const csms = await db.selectFrom('csms').select(['id', 'external_id', 'manager_id']).execute();
  const statuses: GoalStatus[] = [];
  for (const goal of goals) statuses.push(await goalStatus(db, goal, csms, options, settings));
  return statuses;
}

async function goalStatus(
  db: Kysely<Database>,
  goal: StoredGoal,
  csms: { id: number; external_id: string; manager_id: number | null }[],
  options: GoalStatusOptions,
  settings: ReportSettings,
): Promise<GoalStatus> {
  const { scope, period, target } = goal.definition;
  const csmId = scope.kind === 'csm' || scope.kind === 'team' ? csms.find((csm) => csm.external_id === scope.csm)?.id : undefined;
  if ((scope.kind === 'csm' || scope.kind === 'team') && csmId === undefined) {
    return { goal, scopeLabel: scope.csm, periods: [], problem: `no CSM with external id "${scope.csm}" is known to this instance` };
  }
  // A manager nobody reports to (yet) is a team of one: their own responses.
  const leadsATeam = csms.some((csm) => csm.manager_id === csmId && csm.id !== csmId);
  const dimension = scope.kind === 'company' ? 'company' : scope.kind === 'segment' ? 'segment' : scope.kind === 'team' && leadsATeam ? 'team' : 'csm';
  const report = await npsReport(
    db,
    {
      grouping: { dimension },
      unit: period,
      ...(options.from === undefined ? {} : { from: options.from }),
      ...(options.to === undefined ? {} : { to: options.to }),
      counting: options.counting,
      minimumResponses: options.minimumResponses,
      compare: { previous: target.kind === 'improve_by', yearBefore: false },
      distribution: false,
      viewer: { kind: 'everything' },
    },
    settings,
  );
  const key = scope.kind === 'segment' ? scope.segment : String(csmId);
  const row = scope.kind === 'company' ? report.total : report.rows.find((r) => r.key === key);
  const label = row?.label ?? (scope.kind === 'segment' ? scope.segment : scope.kind === 'company' ? 'Company' : scope.csm);
  return { goal, scopeLabel: label, periods: periodStatuses(goal.definition, report, row), problem: null };
}

function periodStatuses(definition: GoalDefinition, report: NpsReport, row: ReportRow | undefined): GoalPeriodStatus[] {
  const minimum = report.minimumResponses;
  return report.periods.map((period, i) => {
    const cell = row?.cells[i];
    const n = cell?.n ?? 0;
    const nps = cell?.nps ?? null;
    const figures = { period, n, nps, marginOfError: cell?.marginOfError ?? null };
    const judge = (reached: boolean): GoalStatusValue => (period.partial ? (reached ? 'on_track' : 'off_track') : reached ? 'met' : 'missed');
    if (definition.target.kind === 'at_least') {
      const target = definition.target.nps;
      return { ...figures, target, status: nps === null || n < minimum ? 'not_enough_responses' : judge(nps >= target) };
    }
    const change = cell?.changeFromPrevious ?? null;
    const previousNps = change?.previousNps ?? null;
    const target = previousNps === null ? null : previousNps + definition.target.points;
    const enough = nps !== null && target !== null && n >= minimum && (change?.previousN ?? 0) >= minimum;
    return { ...figures, target, change, status: enough ? judge(nps >= target) : 'not_enough_responses' };
  });
}
