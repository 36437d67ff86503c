import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { RuleDefinition, RuleKind } from '../../rules/rule-schema.ts';

export interface RulesTable {
  id: Generated<number>;
  /** Unique among rules that are not deleted. */
  name: string;
  kind: RuleKind;
  /** As rules/validate-rule.ts accepted it when it was saved. */
  definition: ColumnType<RuleDefinition, string, string>;
  enabled: boolean;
  /** Bumped by every change; `rule_versions` keeps each one. */
  version: number;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
  created_by: ColumnType<string, string, never>;
  updated_by: string;
  /** Set by a (soft) delete, which also disables the rule. */
  deleted_at: Date | null;
}

export type Rule = Selectable<RulesTable>;
export type NewRule = Insertable<RulesTable>;
export type RuleUpdate = Updateable<RulesTable>;
