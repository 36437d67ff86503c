import { z } from 'zod';
import { MAX_DRY_RUN_LIMIT, MAX_EXPLAINED, type RuleDryRun } from '../../rule-sql/dry-run-rule.ts';
import type { RuleChangeRefresh } from '../../derived-state/refresh-after-rule-change.ts';
import type { Rule } from '../../db/tables/rules.ts';
import type { ConditionExplanation } from '../../rules/evaluate-rule.ts';
import { HEALTH_COLOURS, HEALTH_DIMENSIONS } from '../../rules/fact-catalogue.ts';
import { RULE_KINDS } from '../../rules/rule-schema.ts';
import { documentVersionSchema } from './versioned-change.ts';

/** The request and response shapes of the rules routes, and the views that fill them. */

const definitionSchema = z
  .record(z.string(), z.unknown())
  .describe('the rule as validated when it was saved: kind, name, description, and conditions (list, trigger) or dimension and criteria (health)');

export const ruleSchema = z
  .object({
    name: z.string(),
    kind: z.enum(RULE_KINDS),
    enabled: z.boolean(),
    version: z.number().int().describe('send it back as If-Match (or expectedVersion) to change the rule'),
    definition: definitionSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    deletedAt: z.string().nullable(),
  })
  .meta({ id: 'Rule' });

export const ruleVersionSchema = documentVersionSchema(definitionSchema, 'RuleVersion');

export const ruleChangeRefreshSchema = z
  .object({
    lists: z.array(z.object({ list: z.string(), entered: z.number().int(), exited: z.number().int(), total: z.number().int() })),
    healthChanges: z.number().int().describe('accounts whose colour changed'),
  })
  .describe('what the rule derives, brought up to date in the same transaction as the change')
  .meta({ id: 'RuleChangeRefresh' });

export function ruleView(rule: Rule): z.infer<typeof ruleSchema> {
  return {
    name: rule.name,
    kind: rule.kind,
    enabled: rule.enabled,
    version: rule.version,
    definition: rule.definition as unknown as Record<string, unknown>,
    createdAt: rule.created_at.toISOString(),
    createdBy: rule.created_by,
    updatedAt: rule.updated_at.toISOString(),
    updatedBy: rule.updated_by,
    deletedAt: rule.deleted_at?.toISOString() ?? null,
  };
}


export function refreshView(refresh: RuleChangeRefresh): z.infer<typeof ruleChangeRefreshSchema> {
  return { lists: refresh.lists, healthChanges: refresh.healthChanges };
}

const outcome = { evaluated: z.boolean().describe('false when json-rules-engine skipped it: its siblings had decided'), result: z.boolean().optional() };

const leafExplanationSchema = z.object({
  kind: z.literal('leaf'),
  fact: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
  path: z.string().optional(),
  operator: z.string(),
  value: z.unknown(),
  ...outcome,
  factValue: z.unknown().optional().describe('the value the condition compared (null or absent: unknown)'),
});

export const conditionExplanationSchema: z.ZodType<ConditionExplanation> = z
  .union([
    leafExplanationSchema,
    z.object({
      kind: z.enum(['all', 'any']),
      ...outcome,
      get conditions(): z.ZodArray<z.ZodType<ConditionExplanation>> {
        return z.array(conditionExplanationSchema);
      },
    }),
    z.object({
      kind: z.literal('not'),
      ...outcome,
      get condition(): z.ZodType<ConditionExplanation> {
        return conditionExplanationSchema;
      },
    }),
  ])
  .meta({ id: 'ConditionExplanation' }) as z.ZodType<ConditionExplanation>;

const whySchema = z.object({
  explanation: conditionExplanationSchema,
  reasons: z.array(z.string()).describe('the conditions that decided the outcome, as text'),
});

const paged = {
  rule: z.string(),
  at: z.string().describe('the instant the rule was evaluated at'),
  limit: z.number().int(),
  next: z.number().int().nullable().describe('pass as `after` for the next page; null on the last'),
  explained: z.number().int().describe(`entities of this page with an explanation (the first ${MAX_EXPLAINED})`),
};

export const ruleDryRunSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('list'),
      ...paged,
      total: z.number().int().describe('users the rule selects now, in all'),
      users: z.array(
        z.object({
          id: z.number().int(),
          email: z.string(),
          name: z.string().nullable(),
          account: z.object({ id: z.number().int(), name: z.string() }),
          why: whySchema.optional(),
        }),
      ),
    }),
    z.object({
      kind: z.literal('health'),
      ...paged,
      dimension: z.enum(HEALTH_DIMENSIONS),
      total: z.number().int().describe('accounts in all'),
      colours: z.record(z.enum([...HEALTH_COLOURS, 'none']), z.number().int()).describe('accounts per colour; none: no criterion holds'),
      accounts: z.array(
        z.object({
          id: z.number().int(),
          externalId: z.string(),
          name: z.string(),
          colour: z.enum(HEALTH_COLOURS).nullable(),
          criterionIndex: z.number().int().nullable(),
          reasons: z.array(z.string()).optional(),
        }),
      ),
    }),
    z.object({
      kind: z.literal('trigger'),
      rule: z.string(),
      at: z.string(),
      event: z.object({
        responseId: z.number().int(),
        userId: z.number().int(),
        accountId: z.number().int(),
        score: z.number().int(),
        category: z.string(),
        respondedAt: z.string(),
      }),
      matched: z.boolean(),
      why: whySchema,
    }),
  ])
  .meta({ id: 'RuleDryRun' }) as z.ZodType<RuleDryRun>;

export const dryRunQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_DRY_RUN_LIMIT).default(50).describe('users or accounts per page'),
  after: z.coerce.number().int().min(0).optional().describe('the `next` of the previous page'),
  responseId: z.coerce.number().int().positive().optional().describe('trigger rules: the response to evaluate'),
  user: z.string().min(1).max(320).optional().describe("trigger rules: the email of a user whose latest response to evaluate"),
});
