import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { createRule, listRules } from '../db/queries/rules.ts';
import { DEFAULT_RULES } from '../rules/default-rules.ts';

/** Saves the shipped example rules that the instance does not have yet; an admin's edits stay. */
export async function installDefaultRules(db: Kysely<Database>, actor = 'npsloop'): Promise<string[]> {
  const existing = new Set((await listRules(db, { limit: 1_000 })).map((rule) => rule.name));
  const installed: string[] = [];
  for (const rule of DEFAULT_RULES) {
    if (existing.has(rule.name)) continue;
    await createRule(db, rule, { actor, note: 'shipped default' });
    installed.push(rule.name);
  }
  return installed;
}
