import { z } from 'zod';
import { topLevelConditionSchema, unknownKey } from './condition-schema.ts';
import { HEALTH_COLOURS, HEALTH_DIMENSIONS, type RuleSubject } from './fact-catalogue.ts';

/*
 * The three kinds of rule an admin writes. The schemas check structure only; validateRule
 * also checks every condition against the fact catalogue of the rule's subject.
 */

export const RULE_KINDS = ['list', 'health', 'trigger'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** What each kind of rule is evaluated over, i.e. which part of the fact catalogue it may use. */
export const RULE_SUBJECTS = {
  list: 'user',
  health: 'account',
  trigger: 'response_event',
} as const satisfies Record<RuleKind, RuleSubject>;

export const MAX_HEALTH_CRITERIA = 20;

const ruleNameSchema = z
  .string({ error: 'must be a name of 1 to 100 characters a-z, 0-9 and -, e.g. admin-detractors' })
  .regex(/^[a-z0-9-]{1,100}$/, { error: 'must be a name of 1 to 100 characters a-z, 0-9 and -, e.g. admin-detractors' });

const descriptionSchema = z
  .string({ error: 'must be text' })
  .max(1000, { error: 'must be at most 1000 characters' })
  .optional();

export const listRuleSchema = z.strictObject(
  {
    kind: z.literal('list'),
    name: ruleNameSchema,
    description: descriptionSchema,
    conditions: topLevelConditionSchema,
  },
  { error: unknownKey('a list rule has kind, name, description and conditions') },
);

export const healthCriterionSchema = z.strictObject(
  {
    colour: z.enum(HEALTH_COLOURS, { error: `must be one of ${HEALTH_COLOURS.join(', ')}` }),
    /** Without conditions the criterion always holds: the "otherwise" at the end. */
    conditions: topLevelConditionSchema.optional(),
    reason: z
      .string({ error: 'must be text' })
      .min(1, { error: 'must not be empty' })
      .max(500, { error: 'must be at most 500 characters' })
      .optional(),
  },
  { error: unknownKey('a criterion has colour, conditions and reason') },
);

export const healthRuleSchema = z.strictObject(
  {
    kind: z.literal('health'),
    name: ruleNameSchema,
    description: descriptionSchema,
    dimension: z.enum(HEALTH_DIMENSIONS, { error: `must be one of ${HEALTH_DIMENSIONS.join(', ')}` }),
    criteria: z
      .array(healthCriterionSchema, { error: 'must be an array of criteria: { "colour", "conditions", "reason" }' })
      .min(1, { error: 'must hold at least one criterion' })
      .max(MAX_HEALTH_CRITERIA, { error: `must hold at most ${MAX_HEALTH_CRITERIA} criteria` })
      .superRefine(
        (criteria, context) => {
          // Criteria are tried in order, so any after an unconditional one could never apply.
          const otherwise = criteria.findIndex((criterion) => isObject(criterion) && criterion.conditions === undefined);
          if (otherwise !== -1 && otherwise < criteria.length - 1) {
            context.addIssue({
              code: 'custom',
              path: [otherwise],
              message: 'has no conditions, so it always holds and the criteria after it never apply; make it the last criterion or give it conditions',
            });
          }
        },
        // Also when a criterion has mistakes of its own, so that all are reported at once.
        { when: (payload) => Array.isArray(payload.value) },
      ),
  },
  { error: unknownKey('a health rule has kind, name, description, dimension and criteria') },
);

export const triggerRuleSchema = z.strictObject(
  {
    kind: z.literal('trigger'),
    name: ruleNameSchema,
    description: descriptionSchema,
    conditions: topLevelConditionSchema,
  },
  { error: unknownKey('a trigger rule has kind, name, description and conditions') },
);

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

export const ruleDefinitionSchema = z.discriminatedUnion('kind', [listRuleSchema, healthRuleSchema, triggerRuleSchema], {
  error: `must be a rule with "kind" one of ${RULE_KINDS.join(', ')}`,
});

export type ListRule = z.infer<typeof listRuleSchema>;
export type HealthCriterion = z.infer<typeof healthCriterionSchema>;
export type HealthRule = z.infer<typeof healthRuleSchema>;
export type TriggerRule = z.infer<typeof triggerRuleSchema>;
export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;
