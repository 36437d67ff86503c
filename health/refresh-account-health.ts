import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { type HealthResult, recordHealth } from '../db/queries/account-health.ts';
import type { AccountHealthChange } from '../db/tables/account-health-changes.ts';
import { listRules } from '../db/queries/rules.ts';
import type { Rule } from '../db/tables/rules.ts';
import type { GroupCondition } from '../rules/condition-schema.ts';
import { compileHealthRule } from '../rules/evaluate-rule.ts';
import { accountFactPages } from '../rule-sql/load-facts.ts';
import type { HealthRule } from '../rules/rule-schema.ts';

/**
 * Recomputes Health 360 for these accounts (or all) with each dimension's enabled health rule:
 * the first criterion that holds gives the colour, and its reasons are kept. Colour changes
 * are recorded with their time and reasons. Where two enabled rules share a dimension, the
 * one changed last applies.
 */
export async function refreshAccountHealth(
  db: Kysely<Database>,
  accountIds: readonly number[] | 'all',
  settings: NpsSettingsAt,
): Promise<{ evaluated: number; changes: AccountHealthChange[] }> {
  if (accountIds !== 'all' && accountIds.length === 0) return { evaluated: 0, changes: [] };
  const rules = await listRules(db, { kind: 'health', enabledOnly: true, limit: 1_000 });
  const byDimension = new Map<string, Rule>();
  for (const rule of rules.sort((a, b) => a.updated_at.getTime() - b.updated_at.getTime())) {
    byDimension.set((rule.definition as HealthRule).dimension, rule);
  }

  let evaluated = 0;
  const changes: AccountHealthChange[] = [];
  for (const rule of byDimension.values()) {
    const definition = rule.definition as HealthRule;
    const compiled = compileHealthRule(definition, () => settings.now);
    // One query loads every fact any criterion reads.
    const conditions: GroupCondition = { all: definition.criteria.flatMap((c) => (c.conditions ? [c.conditions] : [])) };
    const pages = accountFactPages(db, conditions, settings, accountIds === 'all' ? {} : { ids: accountIds });
    for await (const page of pages) {
      const results: HealthResult[] = [];
      for (const { id, facts } of page) {
        const health = await compiled.evaluate(facts);
        if (health.colour === null) continue;
        results.push({
          accountId: id,
          dimension: definition.dimension,
          colour: health.colour,
          reasons: health.reasons,
          ruleId: rule.id,
          ruleVersion: rule.version,
        });
      }
      evaluated += page.length;
      changes.push(...(await recordHealth(db, results, settings.now)));
    }
  }
  return { evaluated, changes };
}
