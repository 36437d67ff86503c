import { z } from 'zod';
import { periodUnitSchema } from '../nps/periods.ts';

/*
 * A goal: a scope (the company, a team, a CSM, a segment), a period, and a target: "at least X"
 * (NPS ≥ 30 each quarter) or "improve by N points on the previous period" (+5 quarter over quarter).
 * CSMs and teams are named by the CSM's external id, as syncs name them.
 */

const text = (max: number) => z.string({ error: 'is required' }).trim().min(1, { error: 'is required' }).max(max, { error: `must be at most ${max} characters` });

export const goalScopeSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('company') }),
    z.object({ kind: z.literal('team'), csm: text(200).describe("the manager's external id: the team is them and everyone under them") }),
    z.object({ kind: z.literal('csm'), csm: text(200).describe("the CSM's external id") }),
    z.object({ kind: z.literal('segment'), segment: text(200) }),
  ],
  { error: 'must be { "kind": "company" }, { "kind": "team" | "csm", "csm": "<external id>" } or { "kind": "segment", "segment": "<name>" }' },
);

export const goalTargetSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('at_least'), nps: z.number({ error: 'must be a number' }).min(-100).max(100).describe('NPS at or above this') }),
    z.object({
      kind: z.literal('improve_by'),
      points: z.number({ error: 'must be a number' }).positive({ error: 'must be above 0' }).max(200).describe('NPS points above the previous period'),
    }),
  ],
  { error: 'must be { "kind": "at_least", "nps": <-100..100> } or { "kind": "improve_by", "points": <above 0> }' },
);

export const goalDefinitionSchema = z
  .object({
    name: text(200),
    scope: goalScopeSchema,
    period: periodUnitSchema,
    target: goalTargetSchema,
  })
  .strict()
  .meta({ id: 'GoalDefinition' });

export type GoalDefinition = z.infer<typeof goalDefinitionSchema>;
export type GoalScope = z.infer<typeof goalScopeSchema>;
