import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { replaceListMembers } from '../db/queries/list-members.ts';
import { listRules } from '../db/queries/rules.ts';
import { matchingIdsQuery } from '../rule-sql/compile-sql.ts';
import type { ListRule } from '../rules/rule-schema.ts';

export interface ListRefreshSummary {
  list: string;
  entered: number;
  exited: number;
  total: number;
}

/**
 * Recomputes the members of every enabled list (or the named ones) with its compiled SQL,
 * recording who entered and who left. Nothing is filtered in Node. With `userIds`, only those
 * users are re-decided: what an ingest batch touched. Lists that depend on time ("in the last
 * 30 days") also need a full refresh now and then.
 */
export async function refreshLists(
  db: Kysely<Database>,
  settings: NpsSettingsAt,
  { names, userIds }: { names?: readonly string[]; userIds?: readonly number[] } = {},
): Promise<ListRefreshSummary[]> {
  if (userIds && userIds.length === 0) return [];
  const rules = await listRules(db, { kind: 'list', enabledOnly: true, limit: 1_000 });
  const summaries: ListRefreshSummary[] = [];
  for (const rule of rules) {
    if (names && !names.includes(rule.name)) continue;
    const conditions = (rule.definition as ListRule).conditions;
    const members = matchingIdsQuery(db, 'user', conditions, settings, userIds ? { ids: userIds } : {}).select('u.id as user_id');
    const refresh = await replaceListMembers(db, rule.id, members, settings.now, userIds ? { onlyUserIds: userIds } : {});
    summaries.push({ list: rule.name, entered: refresh.entered.length, exited: refresh.exited.length, total: refresh.total });
  }
  return summaries;
}
