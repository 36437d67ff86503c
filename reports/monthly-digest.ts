import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/database.ts';
import { listGoals } from '../db/queries/goals.ts';
import type { CountingMode } from '../nps/counts.ts';
import { type Period, periodContaining, previousPeriod } from '../nps/periods.ts';
import { roundNps } from '../nps/score.ts';
import { teamOf } from './csm-teams.ts';
import { type GoalStatus, goalStatuses, storedGoal } from './goal-status.ts';
import { goalVisibility } from './goal-visibility.ts';
import { npsReport, type ReportRow } from './nps-report.ts';

/*
 * The monthly digest: on the first working day of a month, each manager gets their team's NPS by
 * CSM for the month just ended (n, margin, change on the month before), the team's goals and its
 * open and overdue detractor tasks; each CSM gets their own line and tasks. A digest with no
 * responses and no open tasks in it is not sent.
 */

export interface DigestSettings {
  now: Date;
  timeZone: string;
  counting: CountingMode;
  minimumResponses: number;
}

export interface DigestTask {
  id: number;
  account: string;
  score: number;
  dueAt: Date;
  assignee: string;
  overdue: boolean;
}

export interface MonthlyDigest {
  recipient: { id: number; name: string; email: string };
  month: Period;
  /** The recipient leads a team: the rows are its CSMs, and `team` its pooled figure. */
  isManager: boolean;
  rows: ReportRow[];
  team: ReportRow | null;
  goals: GoalStatus[];
  openTasks: number;
  overdueTasks: number;
  /** The most urgent open tasks, overdue first. */
  tasks: DigestTask[];
}

const TASKS_LISTED = 10;

/** Mondays to Fridays; the first of them in a month is its first working day. */
export function isFirstWorkingDayOfMonth(instant: Date, timeZone: string): boolean {
  const day = DateTime.fromJSDate(instant, { zone: timeZone });
  let first = day.startOf('month');
  while (first.weekday > 5) first = first.plus({ days: 1 });
  return day.day === first.day;
}

/** The month that ended before the one holding `instant`. */
export function monthJustEnded(instant: Date, timeZone: string): Period {
  return previousPeriod(periodContaining(instant, 'month', timeZone), 'month', timeZone);
}

/** The recipient's digest for the month, or null when there is nothing in it to send. */
export async function monthlyDigest(db: Kysely<Database>, csmId: number, month: Period, settings: DigestSettings): Promise<MonthlyDigest | null> {
  const csms = await db.selectFrom('csms').select(['id', 'name', 'email', 'manager_id']).execute();
  const recipient = csms.find((csm) => csm.id === csmId);
  if (!recipient) return null;
  const team = teamOf(csms.map((c) => ({ id: c.id, managerId: c.manager_id })), csmId);
  const isManager = team.length > 1;
  const reportSettings = { now: settings.now, timeZone: settings.timeZone };
  const monthDate = DateTime.fromJSDate(month.start, { zone: settings.timeZone }).toISODate()!;
  const request = {
    unit: 'month' as const,
    from: monthDate,
    to: monthDate,
    counting: settings.counting,
    minimumResponses: settings.minimumResponses,
    compare: { previous: true, yearBefore: false },
    distribution: false,
    viewer: { kind: 'team_of' as const, csmId },
  };
  const byCsm = await npsReport(db, { ...request, grouping: { dimension: 'csm' } }, reportSettings);
  const teamRow = isManager ? (await npsReport(db, { ...request, grouping: { dimension: 'team' } }, reportSettings)).rows.find((row) => row.key === String(csmId)) ?? null : null;

  const tasks = await db
    .selectFrom('tasks as t')
    .innerJoin('nps_responses as r', 'r.id', 't.response_id')
    .innerJoin('accounts as a', 'a.id', 't.account_id')
    .innerJoin('csms as c', 'c.id', 't.assignee_csm_id')
    .select(['t.id', 'a.name as account', 'r.score', 't.due_at', 'c.name as assignee'])
    .where('t.status', '=', 'open')
    .where('t.assignee_csm_id', 'in', team)
    .orderBy('t.due_at')
    .orderBy('t.id')
    .execute();
  const listed = tasks.map((task) => ({ id: task.id, account: task.account, score: task.score, dueAt: task.due_at, assignee: task.assignee, overdue: task.due_at.getTime() < settings.now.getTime() }));

  const responses = byCsm.rows.reduce((sum, row) => sum + row.total.n, 0);
  if (responses === 0 && listed.length === 0) return null;

  const visible = await goalVisibility(db, { kind: 'team_of', csmId });
  const goals = (await listGoals(db)).map(storedGoal).filter((goal) => visible(goal.definition));
  const statuses = await goalStatuses(db, goals, { from: monthDate, to: monthDate, counting: settings.counting, minimumResponses: settings.minimumResponses }, reportSettings);

  return {
    recipient: { id: recipient.id, name: recipient.name, email: recipient.email },
    month,
    isManager,
    rows: byCsm.rows,
    team: teamRow,
    goals: statuses,
    openTasks: listed.length,
    overdueTasks: listed.filter((task) => task.overdue).length,
    tasks: listed.sort((a, b) => Number(b.overdue) - Number(a.overdue)).slice(0, TASKS_LISTED),
  };
}

/** The digest as the email's subject and text. */
export function digestEmail(digest: MonthlyDigest, { timeZone, minimumResponses }: Pick<DigestSettings, 'timeZone' | 'minimumResponses'>): { subject: string; text: string } {
  const month = DateTime.fromJSDate(digest.month.start, { zone: timeZone }).setLocale('en-GB').toFormat('LLLL yyyy');
  const lines = [`Hi ${digest.recipient.name},`, ''];
  lines.push(digest.isManager ? `Your team's NPS for ${month}, by CSM (${timeZone}):` : `Your NPS for ${month} (${timeZone}):`, '');
  const table = [...digest.rows, ...(digest.team ? [{ ...digest.team, label: 'Team' }] : [])].map((row) => {
    const cell = row.cells[0]!;
    const change = cell.changeFromPrevious;
    return [
      row.label,
      cell.nps === null ? 'no responses' : `${roundNps(cell.nps)}${cell.flag === 'not_enough_responses' ? '*' : ''}`,
      String(cell.n),
      cell.marginOfError === null ? '' : `±${roundNps(cell.marginOfError)}`,
      change?.difference == null ? '' : `${change.difference > 0 ? '+' : ''}${roundNps(change.difference)}${change.significant ? ' (significant)' : ''}`,
    ];
  });
  const header = ['', 'NPS', 'n', 'margin', 'change on the month before'];
  const widths = header.map((title, i) => Math.max(title.length, ...table.map((row) => row[i]!.length)));
  for (const row of [header, ...table]) lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}`);
  if (table.some((row) => row[1]!.endsWith('*'))) lines.push('', `  * fewer than ${minimumResponses} responses: too few to read much into.`);

  if (digest.goals.length > 0) {
    lines.push('', 'Goals:');
    for (const goal of digest.goals) {
      for (const period of goal.periods) {
        const figure = period.nps === null ? 'no responses' : `NPS ${roundNps(period.nps)} (n ${period.n})`;
        lines.push(`  ${goal.goal.name}, ${period.period.label}: ${period.status.replaceAll('_', ' ')}; ${figure}${period.target === null ? '' : `, target ${roundNps(period.target)}`}`);
      }
      if (goal.problem) lines.push(`  ${goal.goal.name}: cannot be followed: ${goal.problem}`);
    }
  }

  lines.push('', `Open detractor follow-up tasks: ${digest.openTasks}${digest.overdueTasks > 0 ? `, ${digest.overdueTasks} overdue` : ''}.`);
  const due = (at: Date) => DateTime.fromJSDate(at, { zone: timeZone }).setLocale('en-GB').toFormat('ccc d LLL, HH:mm');
  for (const task of digest.tasks) {
    lines.push(`  task ${task.id}: ${task.account}, score ${task.score}, due ${due(task.dueAt)}${digest.isManager ? `, ${task.assignee}` : ''}${task.overdue ? ' (overdue)' : ''}`);
  }
  if (digest.openTasks > digest.tasks.length) lines.push(`  … and ${digest.openTasks - digest.tasks.length} more: npsloop tasks list`);
  lines.push('', '— npsloop');
  return { subject: `NPS digest, ${month}${digest.isManager ? ': your team' : ''}`, text: `${lines.join('\n')}\n` };
}
