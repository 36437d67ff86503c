import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettings } from '../db/queries/account-nps.ts';
import { getRule } from '../db/queries/rules.ts';
import { type ConditionExplanation, evaluateRule } from '../rules/evaluate-rule.ts';
import { loadUserFacts } from '../rules/load-facts.ts';
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
  settings: NpsSettings,
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
