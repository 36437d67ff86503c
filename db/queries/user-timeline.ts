import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

export interface TimelineEntry {
  id: number;
  score: number;
  category: string;
  comment: string | null;
  responded_at: Date;
  received_at: Date;
  source: string;
  account_id: number;
  csm_id: number | null;
}

/**
 * A user's responses in the order they were given, not the order they arrived (a backfill
 * arrives late). Paged by keyset: pass the last entry of a page to get the next.
 */
export async function userTimeline(
  db: Kysely<Database>,
  userId: number,
  page: { limit?: number; after?: Pick<TimelineEntry, 'responded_at' | 'id'> } = {},
): Promise<TimelineEntry[]> {
  let query = db
    .selectFrom('nps_responses')
    .select(['id', 'score', 'category', 'comment', 'responded_at', 'received_at', 'source', 'account_id', 'csm_id'])
    .where('user_id', '=', userId)
    .orderBy('responded_at')
    .orderBy('id')
    .limit(Math.min(page.limit ?? 100, 1_000));
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('responded_at', '>', after.responded_at),
        eb.and([eb('responded_at', '=', after.responded_at), eb('id', '>', after.id)]),
      ]),
    );
  }
  return query.execute();
}

export async function userIdByEmail(db: Kysely<Database>, email: string): Promise<number | null> {
  const row = await db.selectFrom('users').select('id').where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return row?.id ?? null;
}
