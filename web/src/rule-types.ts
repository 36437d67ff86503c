// The rule shapes the rules API answers (api/schemas/rules.ts) and the pages read.

export const RULE_KINDS = ['list', 'health', 'trigger'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface RuleSummary {
  name: string;
  kind: RuleKind;
  enabled: boolean;
  version: number;
  definition: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  deletedAt: string | null;
}

export interface RuleVersion {
  version: number;
  change: 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted';
  enabled: boolean;
  definition: Record<string, unknown>;
  changedBy: string;
  changedAt: string;
  note: string | null;
}

export interface RuleChange {
  rule: RuleSummary;
  changed: boolean;
  refreshed: { lists: Array<{ list: string; entered: number; exited: number; total: number }>; healthChanges: number };
}
