import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { replaceListMembers } from '../db/queries/list-members.ts';
import { listRules } from '../db/queries/rules.ts';
import { userIdsOfAccounts } from '../db/queries/users.ts';
import type { Rule } from '../db/tables/rules.ts';
import { factUsesOf, matchingIdsQuery } from '../rule-sql/compile-sql.ts';
import { ACCOUNT_FIGURE_USER_FACTS } from '../rule-sql/fact-sql.ts';
import type { Condition } from '../rules/condition-schema.ts';
import type { ListRule } from '../rules/rule-schema.ts';

export interface ListRefreshSummary {
  list: string;
  entered: number;
  exited: number;
  /** Members after the refresh; counted only when whole lists were refreshed (no `userIds`). */
  total?: number;
}

/** What a refresh of whole lists returns: the members are counted. */
export type WholeListRefreshSummary = ListRefreshSummary & { total: number };

export interface RefreshListsOptions {
  /** Only the lists with these names. */
  names?: readonly string[];
  /** Only these users are re-decided (what an ingest batch or a response touched). */
  userIds?: readonly number[];
  /**
   * With `userIds`: the accounts whose responses changed. Lists that read the account's figures
   * (its NPS, its health) re-decide every user of these accounts as well.
   */
  accountIds?: readonly number[];
  /** The enabled list rules, when the caller has read them already. */
  rules?: readonly Rule[];
}

/**
 * Recomputes the members of every enabled list (or the named ones) with its compiled SQL,
 * recording who entered and who left. Nothing is filtered in Node. With `userIds`, only those
 * users are re-decided (plus, for lists over account figures, the users of `accountIds`), and the
 * lists are not counted. Lists that depend on time ("in the last 30 days") also need a full
 * refresh now and then.
 */
export function refreshLists(
  db: Kysely<Database>,
  settings: NpsSettingsAt,
  options?: Omit<RefreshListsOptions, 'userIds' | 'accountIds'> & { userIds?: undefined; accountIds?: undefined },
): Promise<WholeListRefreshSummary[]>;
export function refreshLists(db: Kysely<Database>, settings: NpsSettingsAt, options: RefreshListsOptions): Promise<ListRefreshSummary[]>;
export async function refreshLists(
  db: Kysely<Database>,
  settings: NpsSettingsAt,
  { names, userIds, accountIds = [], rules }: RefreshListsOptions = {},
): Promise<ListRefreshSummary[]> {
  if (userIds && userIds.length === 0 && accountIds.length === 0) return [];
  const enabled = rules ?? (await listRules(db, { kind: 'list', enabledOnly: true, limit: 1_000 }));
  let usersOfAccounts: number[] | undefined;
  const summaries: ListRefreshSummary[] = [];
  for (const rule of enabled) {
    if (names && !names.includes(rule.name)) continue;
    const conditions = (rule.definition as ListRule).conditions;
    let onlyUserIds = userIds;
    if (userIds && accountIds.length > 0 && readsAccountFigures(conditions)) {
      usersOfAccounts ??= await userIdsOfAccounts(db, accountIds);
      onlyUserIds = [...new Set([...userIds, ...usersOfAccounts])];
    }
    if (onlyUserIds && onlyUserIds.length === 0) continue;
    const members = matchingIdsQuery(db, 'user', conditions, settings, onlyUserIds ? { ids: onlyUserIds } : {}).select('u.id as user_id');
    const refresh = await replaceListMembers(db, rule.id, members, settings.now, onlyUserIds ? { onlyUserIds } : {});
    summaries.push({
      list: rule.name,
      entered: refresh.entered.length,
      exited: refresh.exited.length,
      ...(refresh.total === undefined ? {} : { total: refresh.total }),
    });
  }
  return summaries;
}

function readsAccountFigures(conditions: Condition): boolean {
  return factUsesOf('user', conditions).some((use) => ACCOUNT_FIGURE_USER_FACTS.has(use.fact));
}
