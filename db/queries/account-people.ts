import type { Kysely } from 'kysely';
import type { NpsCategory } from '../../nps/category.ts';
import type { Database } from '../database.ts';

/*
 * What an account's page lists: its users with their latest answer, and the responses credited
 * to it, newest first.
 */

export interface AccountUserRow {
  id: number;
  externalId: string;
  email: string;
  name: string | null;
  role: string | null;
  /** The user's latest response counted in NPS (any account's), or null when they never answered. */
  latest: { score: number; category: NpsCategory; respondedAt: Date } | null;
}

/** A page of the account's users by email (then id), with how many there are. */
export async function usersOfAccount(
  db: Kysely<Database>,
  accountId: number,
  { limit, offset }: { limit: number; offset: number },
): Promise<{ total: number; users: AccountUserRow[] }> {
  const users = db.selectFrom('users as u').where('u.account_id', '=', accountId);
  const [counted, rows] = await Promise.all([
    users.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirstOrThrow(),
    users
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('nps_responses as r')
            .select(['r.score', 'r.category', 'r.responded_at'])
            .whereRef('r.user_id', '=', 'u.id')
            .where('r.excluded', '=', false)
            .orderBy('r.responded_at', 'desc')
            .orderBy('r.id', 'desc')
            .limit(1)
            .as('latest'),
        (join) => join.onTrue(),
      )
      .select(['u.id', 'u.external_id', 'u.email', 'u.name', 'u.role', 'latest.score', 'latest.category', 'latest.responded_at'])
      .orderBy('u.email')
      .orderBy('u.id')
      .limit(limit)
      .offset(offset)
      .execute(),
  ]);
  return {
    total: Number(counted.total),
    users: rows.map((row) => ({
      id: row.id,
      externalId: row.external_id,
      email: row.email,
      name: row.name,
      role: row.role,
      latest:
        row.score === null || row.category === null || row.responded_at === null
          ? null
          : { score: row.score, category: row.category, respondedAt: row.responded_at },
    })),
  };
}

export interface AccountResponseRow {
  id: number;
  score: number;
  category: NpsCategory;
  comment: string | null;
  respondedAt: Date;
  receivedAt: Date;
  source: string;
  /** Left out of NPS at the survey tool's request. */
  excluded: boolean;
  user: { id: number; email: string; name: string | null };
}

/**
 * The responses credited to the account (its responses while users answered from it), newest
 * first by when they were given (then by id), after `before` when given: one page, and whether
 * more follow.
 */
export async function responsesOfAccount(
  db: Kysely<Database>,
  accountId: number,
  { limit, before }: { limit: number; before?: { respondedAt: Date; id: number } | undefined },
): Promise<{ responses: AccountResponseRow[]; more: boolean }> {
  let query = db
    .selectFrom('nps_responses as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .where('r.account_id', '=', accountId)
    .select(['r.id', 'r.score', 'r.category', 'r.comment', 'r.responded_at', 'r.received_at', 'r.source', 'r.excluded', 'u.id as user_id', 'u.email', 'u.name']);
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('r.responded_at', '<', before.respondedAt), eb.and([eb('r.responded_at', '=', before.respondedAt), eb('r.id', '<', before.id)])]),
    );
  }
  const rows = await query.orderBy('r.responded_at', 'desc').orderBy('r.id', 'desc').limit(limit + 1).execute();
  return {
    more: rows.length > limit,
    responses: rows.slice(0, limit).map((row) => ({
      id: row.id,
      score: row.score,
      category: row.category,
      comment: row.comment,
      respondedAt: row.responded_at,
      receivedAt: row.received_at,
      source: row.source,
      excluded: row.excluded,
      user: { id: row.user_id, email: row.email, name: row.name },
    })),
  };
}
