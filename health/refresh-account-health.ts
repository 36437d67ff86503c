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

/** Accounts' colours in every dimension that has a rule; `evaluated` counts (account, dimension) pairs. */
interface HealthBatch {
  evaluated: number;
  results: HealthResult[];
}

/** The rule that applies in each dimension: where two enabled rules share one, the one changed last. */
function ruleOfEachDimension(rules: readonly Rule[]): Rule[] {
  const byDimension = new Map<string, Rule>();
  for (const rule of [...rules].sort((a, b) => a.updated_at.getTime() - b.updated_at.getTime())) {
    byDimension.set((rule.definition as HealthRule).dimension, rule);
  }
  return [...byDimension.values()];
}

/** The accounts' colours page by page, every dimension from one fact query a page. */
async function* healthBatches(
  db: Kysely<Database>,
  accountIds: readonly number[] | 'all',
  settings: NpsSettingsAt,
  rules: readonly Rule[] | undefined,
): AsyncGenerator<HealthBatch> {
  const applied = ruleOfEachDimension(rules ?? (await listRules(db, { kind: 'health', enabledOnly: true, limit: 1_000 }))).map((rule) => {
    const definition = rule.definition as HealthRule;
    return { rule, definition, compiled: compileHealthRule(definition, () => settings.now) };
  });
  if (applied.length === 0) return;
  // One query loads every fact any criterion of any dimension reads.
  const conditions: GroupCondition = {
    all: applied.flatMap(({ definition }) => definition.criteria.flatMap((c) => (c.conditions ? [c.conditions] : []))),
  };
  for await (const page of accountFactPages(db, conditions, settings, accountIds === 'all' ? {} : { ids: accountIds })) {
    const results: HealthResult[] = [];
    for (const { id, facts } of page) {
      for (const { rule, definition, compiled } of applied) {
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
    }
    yield { evaluated: page.length * applied.length, results };
  }
}

async function wholeBatch(batches: AsyncGenerator<HealthBatch>): Promise<HealthBatch> {
  const whole: HealthBatch = { evaluated: 0, results: [] };
  for await (const batch of batches) {
    whole.evaluated += batch.evaluated;
    whole.results.push(...batch.results);
  }
  return whole;
}

/**
 * The accounts' Health 360 colours as the enabled health rules (`rules`, when the caller has read
 * them) give them now, without storing them: in each dimension, the first criterion that holds
 * gives the colour, with its reasons. An account no criterion colours has no result there.
 */
export async function evaluateAccountHealth(
  db: Kysely<Database>,
  accountIds: readonly number[],
  settings: NpsSettingsAt,
  rules?: readonly Rule[],
): Promise<HealthResult[]> {
  if (accountIds.length === 0) return [];
  return (await wholeBatch(healthBatches(db, accountIds, settings, rules))).results;
}

/**
 * Recomputes Health 360 for these accounts (or all) with each dimension's enabled health rule
 * (evaluateAccountHealth) and stores the colours in one statement; for all accounts, one a page.
 * Colour changes are recorded with their time and reasons.
 */
export async function refreshAccountHealth(
  db: Kysely<Database>,
  accountIds: readonly number[] | 'all',
  settings: NpsSettingsAt,
  { rules }: { rules?: readonly Rule[] } = {},
): Promise<{ evaluated: number; changes: AccountHealthChange[] }> {
  if (accountIds !== 'all' && accountIds.length === 0) return { evaluated: 0, changes: [] };
  const batches = healthBatches(db, accountIds, settings, rules);
  // Every account's results at once could be more than memory holds: those are stored a page at a time.
  const stored = accountIds === 'all' ? batches : [await wholeBatch(batches)];
  let evaluated = 0;
  const changes: AccountHealthChange[] = [];
  for await (const { evaluated: pairs, results } of stored) {
    evaluated += pairs;
    changes.push(...(await recordHealth(db, results, settings.now)));
  }
  return { evaluated, changes };
}
