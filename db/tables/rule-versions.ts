import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { RuleDefinition } from '../../rules/rule-schema.ts';

export type RuleChange = 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted';

/** One row per change of a rule, never updated: who changed what, and when. */
export interface RuleVersionsTable {
  rule_id: number;
  version: number;
  /** The definition and state as they were after this change. */
  definition: ColumnType<RuleDefinition, string, never>;
  enabled: boolean;
  changed_by: string;
  changed_at: Date;
  change: RuleChange;
  note: string | null;
}

export type RuleVersion = Selectable<RuleVersionsTable>;
export type NewRuleVersion = Insertable<RuleVersionsTable>;
export type RuleVersionUpdate = Updateable<RuleVersionsTable>;
