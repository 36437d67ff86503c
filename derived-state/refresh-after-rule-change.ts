import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { getRule, RuleNotFoundError } from '../db/queries/rules.ts';
import type { Rule } from '../db/tables/rules.ts';
import { refreshAccountHealth } from '../health/refresh-account-health.ts';
import { refreshLists, type WholeListRefreshSummary } from '../lists/refresh-lists.ts';

export interface RuleChangeRefresh {
  /** The list the rule builds, refreshed: empty for other kinds, and for a list that no longer runs. */
  lists: WholeListRefreshSummary[];
  /** Accounts whose colour changed, for a health rule. */
  healthChanges: number;
}

export interface AppliedRuleChange {
  rule: Rule;
  /** False when the change was a no-op (the same definition or state again): no version, no refresh. */
  changed: boolean;
  refreshed: RuleChangeRefresh;
}

const NOTHING_REFRESHED: RuleChangeRefresh = { lists: [], healthChanges: 0 };

/**
 * What a rule derives, brought up to date after it changed: a list rule's members (a disabled
 * or deleted list keeps its last members and is no longer refreshed), every account's health
 * for a health rule (the enabled rule of each dimension applies, so disabling one may hand the
 * dimension to another). Trigger rules derive nothing: they are read when a response comes in.
 */
export async function refreshAfterRuleChange(db: Kysely<Database>, rule: Rule, settings: NpsSettingsAt): Promise<RuleChangeRefresh> {
  switch (rule.kind) {
    case 'list':
      return rule.enabled && rule.deleted_at === null ? { lists: await refreshLists(db, settings, { names: [rule.name] }), healthChanges: 0 } : NOTHING_REFRESHED;
    case 'health':
      return { lists: [], healthChanges: (await refreshAccountHealth(db, 'all', settings)).changes.length };
    case 'trigger':
      return NOTHING_REFRESHED;
  }
}

/**
 * Runs a change of the rule named `name` (null for a new rule) and, when it made a new version,
 * refreshes what the rule derives, in one transaction: the rule and its list or colours never
 * disagree, and a failed refresh leaves the rule as it was.
 */
export async function applyRuleChange(
  db: Kysely<Database>,
  settings: NpsSettingsAt,
  name: string | null,
  change: (trx: Kysely<Database>) => Promise<Rule>,
): Promise<AppliedRuleChange> {
  return inTransaction(db, async (trx) => {
    const before = name === null ? null : await liveVersion(trx, name);
    const rule = await change(trx);
    if (rule.version === before) return { rule, changed: false, refreshed: NOTHING_REFRESHED };
    return { rule, changed: true, refreshed: await refreshAfterRuleChange(trx, rule, settings) };
  });
}

async function liveVersion(db: Kysely<Database>, name: string): Promise<number | null> {
  try {
    return (await getRule(db, name)).version;
  } catch (error) {
    if (error instanceof RuleNotFoundError) return null;
    throw error;
  }
}
