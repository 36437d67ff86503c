import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { createGoal, getGoal, listGoals, removeGoal, updateGoal } from '../../db/queries/goals.ts';
import { type GoalDefinition, goalDefinitionSchema } from '../../reports/goal-definition.ts';
import { unknownGoalScope } from '../../reports/check-goal-scope.ts';
import { goalStatuses, storedGoal } from '../../reports/goal-status.ts';
import { ReportRangeError } from '../../reports/nps-report.ts';
import { roundNps } from '../../nps/score.ts';
import { openAppContext } from '../app-context.ts';
import { cliActor } from '../cli-actor.ts';
import { formatTable } from '../format-output.ts';
import { UsageError } from '../usage-error.ts';

interface GoalOptions {
  name?: string;
  scope?: string;
  period?: string;
  atLeast?: string;
  improveBy?: string;
}

const STATUS_MARK = { met: 'met', missed: 'MISSED', on_track: 'on track', off_track: 'OFF TRACK', not_enough_responses: 'too few' } as const;

export function registerGoalsCommand(program: Command): void {
  const goals = program.command('goals').description('NPS goals: at least X, or +N on the previous period, per company, team, CSM or segment');
  const actor = cliActor();

  goals
    .command('list')
    .description('every goal')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const context = await openAppContext();
      try {
        const rows = await listGoals(context.db.kysely);
        if (options.json) console.log(JSON.stringify(rows.map(({ id, name, version, definition }) => ({ id, name, version, definition })), null, 2));
        else console.log(formatTable(rows.map((goal) => ({ id: String(goal.id), ...describe(goal.definition as GoalDefinition), version: String(goal.version) }))));
      } finally {
        await context.db.close();
      }
    });

  withDefinitionOptions(goals.command('add').description('set a goal'))
    .action(async (options: GoalOptions) => {
      const definition = definitionOf(options);
      const context = await openAppContext();
      try {
        await refuseUnknownScope(context.db.kysely, definition);
        const goal = await createGoal(context.db.kysely, definition, { actor });
        console.log(`goal ${goal.id} "${goal.name}" set`);
      } finally {
        await context.db.close();
      }
    });

  withDefinitionOptions(goals.command('set').description("change a goal; options left out keep the goal's").argument('<id>', 'the goal id (npsloop goals list)'))
    .action(async (id: string, options: GoalOptions) => {
      const context = await openAppContext();
      try {
        const current = await getGoal(context.db.kysely, goalIdOf(id));
        const definition = definitionOf(options, current.definition as GoalDefinition);
        await refuseUnknownScope(context.db.kysely, definition);
        const goal = await updateGoal(context.db.kysely, current.id, definition, { actor, expectedVersion: current.version });
        console.log(goal.version === current.version ? `goal ${goal.id} already says that: nothing changed` : `goal ${goal.id} is at version ${goal.version}`);
      } finally {
        await context.db.close();
      }
    });

  goals
    .command('remove')
    .description('remove a goal (it and its history are kept)')
    .argument('<id>', 'the goal id')
    .action(async (id: string) => {
      const context = await openAppContext();
      try {
        const goal = await removeGoal(context.db.kysely, goalIdOf(id), { actor });
        console.log(`goal ${goal.id} "${goal.name}" removed`);
      } finally {
        await context.db.close();
      }
    });

  goals
    .command('status')
    .description('where each goal stands in each period: met, missed, on or off track (so far), too few responses')
    .option('--from <date>', 'the first period holds this ISO date (default: this month and the 11 before it)')
    .option('--to <date>', 'the last period holds this ISO date')
    .option('--json', 'print JSON')
    .action(async (options: { from?: string; to?: string; json?: boolean }) => {
      const context = await openAppContext();
      try {
        const stored = (await listGoals(context.db.kysely)).map(storedGoal);
        const statusOptions = { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}), counting: context.config.npsCounting, minimumResponses: context.config.reportMinimumResponses };
        const statuses = await goalStatuses(context.db.kysely, stored, statusOptions, { now: new Date(), timeZone: context.config.timeZone }).catch((error: unknown) => {
          throw error instanceof ReportRangeError ? new UsageError(`--${error.parameter}: ${error.message}`) : error;
        });
        if (options.json) {
          console.log(JSON.stringify(statuses, null, 2));
          return;
        }
        for (const status of statuses) {
          console.log(`${status.goal.name} (${status.scopeLabel}, ${describe(status.goal.definition).target} each ${status.goal.definition.period})`);
          if (status.problem) console.log(`  cannot be followed: ${status.problem}`);
          for (const p of status.periods) {
            const figure = p.nps === null ? 'no responses' : `NPS ${roundNps(p.nps)} (n ${p.n})`;
            const target = p.target === null ? '' : `, target ${roundNps(p.target)}`;
            const significance = p.change && p.change.difference !== null ? `, change ${roundNps(p.change.difference)}${p.change.significant ? ' (significant)' : ' (not significant)'}` : '';
            console.log(`  ${p.period.label.padEnd(16)} ${STATUS_MARK[p.status].padEnd(9)} ${figure}${target}${significance}`);
          }
        }
      } finally {
        await context.db.close();
      }
    });
}

function withDefinitionOptions(command: Command): Command {
  return command
    .option('--name <name>', 'what the goal is called')
    .option('--scope <scope>', 'company | csm:<external id> | team:<manager external id> | segment:<name>')
    .option('--period <unit>', 'week | month | quarter | year')
    .option('--at-least <nps>', 'the period must reach this NPS')
    .option('--improve-by <points>', 'the period must beat the previous one by this many points');
}

/** The goal the options describe, over `current` when changing one; every mistake named at its flag. */
function definitionOf(options: GoalOptions, current?: GoalDefinition): GoalDefinition {
  if (options.atLeast !== undefined && options.improveBy !== undefined) throw new UsageError('--at-least and --improve-by: choose one');
  const candidate = {
    name: options.name ?? current?.name,
    scope: options.scope === undefined ? current?.scope : scopeOf(options.scope),
    period: options.period ?? current?.period,
    target:
      options.atLeast !== undefined
        ? { kind: 'at_least', nps: Number(options.atLeast) }
        : options.improveBy !== undefined
          ? { kind: 'improve_by', points: Number(options.improveBy) }
          : current?.target,
  };
  const parsed = goalDefinitionSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const flags: Record<string, string> = { name: '--name', scope: '--scope', period: '--period', target: current?.target.kind === 'improve_by' || options.improveBy ? '--improve-by' : '--at-least' };
  throw new UsageError(parsed.error.issues.map((issue) => `${flags[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.path[0] === 'target' && candidate.target === undefined ? 'give --at-least or --improve-by' : issue.message}`).join('; '));
}

async function refuseUnknownScope(db: Kysely<Database>, definition: GoalDefinition): Promise<void> {
  const problem = await unknownGoalScope(db, definition);
  if (problem) throw new UsageError(`--scope: ${problem}`);
}

function scopeOf(text: string): unknown {
  if (text === 'company') return { kind: 'company' };
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if ((kind === 'csm' || kind === 'team') && value) return { kind, csm: value };
  if (kind === 'segment' && value) return { kind, segment: value };
  throw new UsageError(`--scope: expected company, csm:<external id>, team:<manager external id> or segment:<name>, got "${text}"`);
}

function goalIdOf(text: string): number {
  const id = z.coerce.number().int().positive().safeParse(text);
  if (!id.success) throw new UsageError(`<id>: expected a goal id such as 3, got "${text}"`);
  return id.data;
}

function describe(definition: GoalDefinition): { name: string; scope: string; period: string; target: string } {
  const { scope, target } = definition;
  return {
    name: definition.name,
    scope: scope.kind === 'company' ? 'company' : scope.kind === 'segment' ? `segment ${scope.segment}` : `${scope.kind} ${scope.csm}`,
    period: definition.period,
    target: target.kind === 'at_least' ? `NPS ≥ ${target.nps}` : `+${target.points} on the previous ${definition.period}`,
  };
}
