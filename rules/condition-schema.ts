import { z } from 'zod';

/*
 * json-rules-engine's condition forms, structurally: { all: [...] }, { any: [...] }, { not: {...} }
 * and leaves { fact, operator, value, path?, params? }. Whether a leaf fits the fact catalogue
 * is checked by validate-rule.ts. `priority` is json-rules-engine's evaluation order among
 * siblings (higher first, later ones skipped once the outcome is known); it never changes a
 * result, so the SQL compiler ignores it.
 *
 * Empty `all` and `any` are refused: json-rules-engine holds both true, which no admin means.
 * Condition references ({ condition: name }) and fact references in values are not supported.
 */

export const MAX_CONDITION_DEPTH = 10;
export const MAX_LEAF_CONDITIONS = 200;

const GROUP_KEYS = ['all', 'any', 'not'] as const;
type GroupKey = (typeof GROUP_KEYS)[number];

const CONDITION_FORMS = '{ "all": [...] }, { "any": [...] }, { "not": {...} } or { "fact", "operator", "value" }';
const TOP_LEVEL_FORMS = '{ "all": [...] }, { "any": [...] } or { "not": {...} } at the top of a rule';

const priority = z
  .number({ error: 'must be a whole number of 1 or more (higher is evaluated first)' })
  .int({ error: 'must be a whole number of 1 or more (higher is evaluated first)' })
  .min(1, { error: 'must be a whole number of 1 or more (higher is evaluated first)' })
  .optional();

/** Error map of a strict object's unrecognized keys; validate-rule reports each at its own path. */
export function unknownKey(allowed: string) {
  return (issue: { code?: string }) => (issue.code === 'unrecognized_keys' ? `is not allowed here; ${allowed}` : undefined);
}

export const leafConditionSchema = z.strictObject(
  {
    fact: z.string({ error: 'must be the name of a fact' }).min(1, { error: 'must be the name of a fact' }),
    operator: z.string({ error: 'must be the name of an operator' }).min(1, { error: 'must be the name of an operator' }),
    value: z.custom<unknown>((value) => value !== undefined, {
      error: 'is required: the value to compare the fact with (true for isKnown and isUnknown)',
    }),
    path: z.string({ error: 'must be a path string such as "$.plan"' }).optional(),
    // Kept as given, not copied: a copy (zod's record) would silently drop an own "__proto__" key,
    // which the fact catalogue's strict check of the params then reports at its path.
    params: z
      .custom<Record<string, unknown>>((params) => typeof params === 'object' && params !== null && !Array.isArray(params), {
        error: 'must be an object of parameters, e.g. { "window": "last_90_days" }',
      })
      .optional(),
    priority,
  },
  { error: unknownKey('a condition has fact, operator, value, path, params and priority') },
);
export type LeafCondition = z.infer<typeof leafConditionSchema>;

// Recursive types cannot be inferred through the form dispatch below, so they are written here once.
export interface AllCondition {
  all: Condition[];
  priority?: number | undefined;
}
export interface AnyCondition {
  any: Condition[];
  priority?: number | undefined;
}
export interface NotCondition {
  not: Condition;
  priority?: number | undefined;
}
export type GroupCondition = AllCondition | AnyCondition | NotCondition;
export type Condition = GroupCondition | LeafCondition;

const nestedConditions = (key: 'all' | 'any') =>
  z
    .array(
      z.lazy(() => conditionSchema),
      { error: `must be an array of conditions: ${CONDITION_FORMS}` },
    )
    .min(1, { error: `must hold at least one condition (an empty "${key}" would always hold)` });

export const allConditionSchema: z.ZodType<AllCondition> = z.strictObject(
  { all: nestedConditions('all'), priority },
  { error: unknownKey('a group has one of all, any or not, and an optional priority') },
);
export const anyConditionSchema: z.ZodType<AnyCondition> = z.strictObject(
  { any: nestedConditions('any'), priority },
  { error: unknownKey('a group has one of all, any or not, and an optional priority') },
);
export const notConditionSchema: z.ZodType<NotCondition> = z.strictObject(
  { not: z.lazy(() => conditionSchema), priority },
  { error: unknownKey('a group has one of all, any or not, and an optional priority') },
);

const GROUP_SCHEMAS: Record<GroupKey, z.ZodType<GroupCondition>> = {
  all: allConditionSchema,
  any: anyConditionSchema,
  not: notConditionSchema,
};

/**
 * A condition is parsed by the one form its keys name, so a mistake is reported inside that
 * form (e.g. at `all[1].operator`) rather than as "matches none of four shapes".
 */
function dispatchByForm(allowLeaf: boolean) {
  return z.unknown().transform((input, context): Condition => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      context.addIssue({ code: 'custom', message: `must be a condition: ${allowLeaf ? CONDITION_FORMS : TOP_LEVEL_FORMS}` });
      return z.NEVER;
    }
    if (Object.hasOwn(input, 'condition')) {
      context.addIssue({
        code: 'custom',
        path: ['condition'],
        message: 'condition references are not supported; write the condition inline',
      });
      return z.NEVER;
    }
    const groups = GROUP_KEYS.filter((key) => Object.hasOwn(input, key));
    if (groups.length > 1) {
      context.addIssue({ code: 'custom', message: `must have exactly one of all, any or not, not ${groups.join(' and ')}` });
      return z.NEVER;
    }
    const group = groups[0];
    if (group === undefined && !allowLeaf) {
      context.addIssue({ code: 'custom', message: `must be ${TOP_LEVEL_FORMS}; wrap a single condition in { "all": [ ... ] }` });
      return z.NEVER;
    }
    const parsed = (group === undefined ? leafConditionSchema : GROUP_SCHEMAS[group]).safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) context.addIssue({ ...issue });
    return z.NEVER;
  });
}

export const conditionSchema: z.ZodType<Condition> = dispatchByForm(true);

const groupConditionSchema = dispatchByForm(false) as z.ZodType<GroupCondition>;

/**
 * The conditions of a rule: json-rules-engine wants a group at the top. Depth and size are
 * checked before the structure, so a hostile document cannot make parsing recurse deeply.
 */
export const topLevelConditionSchema: z.ZodType<GroupCondition> = z.unknown().transform((input, context) => {
  const tooBig = conditionBoundsIssue(input);
  if (tooBig) {
    context.addIssue({ code: 'custom', ...tooBig });
    return z.NEVER;
  }
  const parsed = groupConditionSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) context.addIssue({ ...issue });
  return z.NEVER;
});

/** The sub-conditions of a group with their path steps; null for a leaf (or anything that is not a group). */
export function subConditions(node: unknown): [path: (string | number)[], condition: unknown][] | null {
  if (typeof node !== 'object' || node === null) return null;
  if (Object.hasOwn(node, 'all') || Object.hasOwn(node, 'any')) {
    const key = Object.hasOwn(node, 'all') ? 'all' : 'any';
    const children: unknown = (node as Record<string, unknown>)[key];
    return Array.isArray(children) ? children.map((child, index) => [[key, index], child]) : null;
  }
  if (Object.hasOwn(node, 'not')) return [[['not'], (node as Record<string, unknown>)['not']]];
  return null;
}

/** Why a condition tree is too deep or too big, with the path where it is; null when within bounds. */
export function conditionBoundsIssue(input: unknown): { path: (string | number)[]; message: string } | null {
  let leaves = 0;
  let tooDeep: (string | number)[] | null = null;
  // The root is level 1; a group on the last level would put its conditions one level too deep.
  const visit = (node: unknown, level: number, path: (string | number)[]): void => {
    const children = subConditions(node);
    if (children === null) {
      leaves += 1;
      return;
    }
    for (const [step, child] of children) {
      if (tooDeep !== null || leaves > MAX_LEAF_CONDITIONS) return;
      if (level === MAX_CONDITION_DEPTH) {
        tooDeep = [...path, ...step];
        return;
      }
      visit(child, level + 1, [...path, ...step]);
    }
  };
  visit(input, 1, []);
  if (tooDeep !== null) {
    return {
      path: tooDeep,
      message: `conditions nest more than ${MAX_CONDITION_DEPTH} levels deep here; at most ${MAX_CONDITION_DEPTH} are allowed, so flatten the rule`,
    };
  }
  if (leaves > MAX_LEAF_CONDITIONS) {
    return {
      path: [],
      message: `holds more than ${MAX_LEAF_CONDITIONS} conditions; at most ${MAX_LEAF_CONDITIONS} are allowed, so split the rule`,
    };
  }
  return null;
}
