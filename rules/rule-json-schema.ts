import { z } from 'zod';
import { allConditionSchema, anyConditionSchema, conditionSchema, leafConditionSchema, notConditionSchema, topLevelConditionSchema } from './condition-schema.ts';
import { FACT_CATALOGUE, OPERATORS_BY_TYPE, type RuleSubject } from './fact-catalogue.ts';
import { healthRuleSchema, listRuleSchema, RULE_SUBJECTS, type RuleKind, triggerRuleSchema } from './rule-schema.ts';

/*
 * JSON Schemas for editors, generated from the zod schemas that validate rules (and journeys'
 * triggers), never written twice. Conditions are parsed by the form their keys name (a transform
 * zod cannot describe), so each form's own schema is described, and the condition is any of
 * them; a leaf's fact and operator are the catalogue's for the rule's subject. Saving still runs
 * the full check (validate-rule.ts): values per fact type, params, paths.
 */

export type JsonSchema = z.core.JSONSchema.JSONSchema;

const FORMS = { AllCondition: allConditionSchema, AnyCondition: anyConditionSchema, NotCondition: notConditionSchema, LeafCondition: leafConditionSchema };
const ref = (id: keyof typeof FORMS) => ({ $ref: `#/$defs/${id}` });
const GROUPS = [ref('AllCondition'), ref('AnyCondition'), ref('NotCondition')];

const RULE_SCHEMAS: Record<RuleKind, z.ZodType> = { list: listRuleSchema, health: healthRuleSchema, trigger: triggerRuleSchema };

/** A rule document of this kind, as POST /rules takes it. */
export function ruleJsonSchema(kind: RuleKind): JsonSchema {
  return documentJsonSchema(RULE_SCHEMAS[kind], RULE_SUBJECTS[kind]);
}

/**
 * `document`'s JSON Schema (as written: defaults may be left out), every condition tree in it
 * described by its forms, and `conditionRoots` (transforms that take a top-level condition, such
 * as a journey's trigger) too.
 */
export function documentJsonSchema(document: z.ZodType, subject: RuleSubject, conditionRoots: readonly z.ZodType[] = []): JsonSchema {
  const registry = z.registry<{ id: string }>();
  registry.add(document, { id: 'Document' });
  for (const [id, schema] of Object.entries(FORMS)) registry.add(schema, { id });
  const facts = FACT_CATALOGUE[subject];
  const operators = [...new Set(Object.values(facts).flatMap((fact) => OPERATORS_BY_TYPE[fact.type]))];
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/$defs/${id}`,
    override: ({ zodSchema: described, jsonSchema }) => {
      const zodSchema: unknown = described;
      if (zodSchema === conditionSchema) jsonSchema.anyOf = [...GROUPS, ref('LeafCondition')];
      else if (zodSchema === topLevelConditionSchema || conditionRoots.some((root) => root === zodSchema)) jsonSchema.anyOf = GROUPS;
      else if (zodSchema === leafConditionSchema) {
        const properties = jsonSchema.properties ?? {};
        properties['fact'] = { ...(properties['fact'] as object), enum: Object.keys(facts) };
        properties['operator'] = { ...(properties['operator'] as object), enum: operators };
      }
    },
  });
  // One document: the definitions under $defs, without the ids and dialects zod gives each.
  const { Document: root, ...definitions } = schemas as Record<string, JsonSchema>;
  const { $id: _rootId, ...document_ } = root!;
  const definition = ({ $schema: _dialect, $id: _id, ...schema }: JsonSchema) => schema;
  return { ...document_, $defs: Object.fromEntries(Object.entries(definitions).map(([id, schema]) => [id, definition(schema)])) };
}
