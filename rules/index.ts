export {
  MAX_CONDITION_DEPTH,
  MAX_LEAF_CONDITIONS,
  conditionSchema,
  leafConditionSchema,
  topLevelConditionSchema,
  type AllCondition,
  type AnyCondition,
  type Condition,
  type GroupCondition,
  type LeafCondition,
  type NotCondition,
} from './condition-schema.ts';
export {
  MAX_HEALTH_CRITERIA,
  RULE_KINDS,
  RULE_SUBJECTS,
  healthCriterionSchema,
  healthRuleSchema,
  listRuleSchema,
  ruleDefinitionSchema,
  triggerRuleSchema,
  type HealthCriterion,
  type HealthRule,
  type ListRule,
  type RuleDefinition,
  type RuleKind,
  type TriggerRule,
} from './rule-schema.ts';
export { ATTRIBUTE_PATH, MAX_DAYS, MAX_IN_VALUES, validateRule, type RuleError, type RuleValidation } from './validate-rule.ts';
export {
  createEngine,
  factKey,
  factReferences,
  type Clock,
  type EngineRule,
  type FactReference,
  type FactValues,
  type RuleEngine,
} from './create-engine.ts';
export {
  compileHealthRule,
  compileRule,
  evaluateHealthRule,
  evaluateRule,
  reasonsOf,
  type CompiledHealthRule,
  type CompiledRule,
  type ConditionExplanation,
  type HealthEvaluation,
  type LeafExplanation,
  type RuleEvaluation,
} from './evaluate-rule.ts';
export { DEFAULT_HEALTH_RULES, DEFAULT_LIST_RULES, DEFAULT_RULES, DEFAULT_TRIGGER_RULES } from './default-rules.ts';
export {
  FACT_CATALOGUE,
  HEALTH_COLOURS,
  HEALTH_DIMENSIONS,
  OPERATORS_BY_TYPE,
  type FactDefinition,
  type FactType,
  type HealthColour,
  type HealthDimension,
  type RuleSubject,
} from './fact-catalogue.ts';
export { createCustomOperators } from './operators.ts';
