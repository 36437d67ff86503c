import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettings } from '../db/queries/account-nps.ts';
import { replaceListMembers } from '../db/queries/list-members.ts';
import { listRules } from '../db/queries/rules.ts';
import { matchingIdsQuery } from '../rules/compile-sql.ts';
import type { ListRule } from '../rules/rule-schema.ts';

export interface ListRefreshSummary {
  list: string;
  entered: number;
  exited: number;
  total: number;
}

/**
 * Recomputes the members of every enabled list (or the named ones) with its compiled SQL,
 * recording who entered and who left. Nothing is filtered in Node.
 */
export async function refreshLists(
  db: Kysely<Database>,
  settings: NpsSettings,
  names?: readonly string[],
): Promise<ListRefreshSummary[]> {
  const rules = await listRules(db, { kind: 'list', enabledOnly: true, limit: 1_000 });
  const summaries: ListRefreshSummary[] = [];
  for (const rule of rules) {
    if (names && !names.includes(rule.name)) continue;
    const members = matchingIdsQuery(db, 'user', (rule.definition as ListRule).conditions, settings).select('u.id as user_id');
    const refresh = await replaceListMembers(db, rule.id, members, settings.now);
    summaries.push({ list: rule.name, entered: refresh.entered.length, exited: refresh.exited.length, total: refresh.total });
  }
  return summaries;
}
