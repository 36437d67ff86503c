import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { getRule } from '../db/queries/rules.ts';
import type { Rule } from '../db/tables/rules.ts';
import { compileRule, type ConditionExplanation, evaluateRule, type RuleEvaluation } from '../rules/evaluate-rule.ts';
import { loadUserFacts, userFactPages } from '../rule-sql/load-facts.ts';
import type { ListRule } from '../rules/rule-schema.ts';

export interface MembershipExplanation {
  list: string;
  userId: number;
  /** Whether the user is in the list now, by the rule as it stands. */
  matches: boolean;
  /** Whether the stored membership (as of the last refresh) has the user. */
  member: boolean;
  explanation: ConditionExplanation;
}

/** Why a user is, or is not, in a list: each condition with the fact value it was given. */
export async function explainListMembership(
  db: Kysely<Database>,
  listName: string,
  userId: number,
  settings: NpsSettingsAt,
): Promise<MembershipExplanation> {
  const rule = await getRule(db, listName);
  if (rule.kind !== 'list') throw new Error(`rule ${listName} is a ${rule.kind} rule, not a list`);
  const definition = rule.definition as ListRule;
  const facts = await loadUserFacts(db, userId, definition.conditions, settings);
  if (!facts) throw new Error(`no user with id ${userId}`);
  const evaluation = await evaluateRule(definition, facts, () => settings.now);
  const stored = await db.selectFrom('list_members').select('user_id').where('rule_id', '=', rule.id).where('user_id', '=', userId).executeTakeFirst();
  return { list: listName, userId, matches: evaluation.matched, member: stored !== undefined, explanation: evaluation.explanation };
}

/**
 * Why each of these users is, or is not, in the list: the rule is compiled once and the facts
 * of all of them are read in one query. Users that do not exist are left out.
 */
export async function explainListMembers(
  db: Kysely<Database>,
  rule: Rule,
  userIds: readonly number[],
  settings: NpsSettingsAt,
): Promise<Map<number, RuleEvaluation>> {
  const explained = new Map<number, RuleEvaluation>();
  if (userIds.length === 0) return explained;
  const definition = rule.definition as ListRule;
  const compiled = compileRule(definition, () => settings.now);
  for await (const page of userFactPages(db, definition.conditions, settings, { ids: userIds })) {
    for (const { id, facts } of page) explained.set(id, await compiled.evaluate(facts));
  }
  return explained;
}
