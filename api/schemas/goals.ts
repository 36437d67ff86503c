import { z } from 'zod';
import type { Goal } from '../../db/tables/goals.ts';
import type { GoalVersion } from '../../db/tables/goal-versions.ts';
import { goalDefinitionSchema, type GoalDefinition } from '../../reports/goal-definition.ts';
import { GOAL_STATUSES, type GoalStatus } from '../../reports/goal-status.ts';
import { isoBound } from '../../reports/report-query.ts';
import { changeSchema, reportPeriodSchema, reportPeriodView } from './reports.ts';

/** The request and response shapes of the goal routes, and the views that fill them. */

export const goalIdParamsSchema = z.object({ id: z.coerce.number().int().positive().describe("the goal's id") });

export const goalSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    version: z.number().int().describe('also the ETag: send it as If-Match to change the goal only if nobody else has'),
    definition: goalDefinitionSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'Goal' });

export function goalView(goal: Goal): z.infer<typeof goalSchema> {
  return {
    id: goal.id,
    name: goal.name,
    version: goal.version,
    definition: goal.definition as GoalDefinition,
    createdAt: goal.created_at.toISOString(),
    createdBy: goal.created_by,
    updatedAt: goal.updated_at.toISOString(),
    updatedBy: goal.updated_by,
  };
}

export const goalVersionSchema = z.object({
  version: z.number().int(),
  change: z.enum(['created', 'updated', 'removed']),
  definition: goalDefinitionSchema,
  changedBy: z.string(),
  changedAt: z.string(),
});

export function goalVersionView(version: GoalVersion): z.infer<typeof goalVersionSchema> {
  return {
    version: version.version,
    change: version.change,
    definition: version.definition as GoalDefinition,
    changedBy: version.changed_by,
    changedAt: version.changed_at.toISOString(),
  };
}

export const goalStatusQuerySchema = z.object({
  from: isoBound.optional().describe('the first period holds this ISO date (default: the start of the month 11 months ago)'),
  to: isoBound.optional().describe('the last period holds this ISO date, included (default: today)'),
});

export const goalStatusSchema = z
  .object({
    goals: z.array(
      z.object({
        goal: z.object({ id: z.number().int(), name: z.string(), version: z.number().int(), definition: goalDefinitionSchema }),
        scopeLabel: z.string(),
        problem: z.string().nullable().describe('why the goal cannot be followed, e.g. its CSM left the instance'),
        periods: z.array(
          z.object({
            period: reportPeriodSchema,
            status: z.enum(GOAL_STATUSES).describe('on_track and off_track are for the period under way, judged on its figure so far'),
            n: z.number().int(),
            nps: z.number().nullable(),
            marginOfError: z.number().nullable(),
            target: z.number().nullable().describe('the NPS the period has to reach'),
            change: changeSchema.nullable().optional().describe('for an improvement goal: the change on the previous period and its significance'),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'GoalStatus' });

export function goalStatusView(statuses: GoalStatus[]): z.infer<typeof goalStatusSchema> {
  return {
    goals: statuses.map(({ goal, scopeLabel, problem, periods }) => ({
      goal,
      scopeLabel,
      problem,
      periods: periods.map(({ period, ...figures }) => ({ ...figures, period: reportPeriodView(period) })),
    })),
  };
}
