import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import type { NewRejectedResponse, RejectedResponse, StoredResponseJson } from '../tables/rejected-responses.ts';

// 9 columns a row keeps each multi-row insert well under PostgreSQL's 65,535 parameters.
const INSERT_CHUNK = 2_000;

export async function insertRejections(db: Kysely<Database>, rows: NewRejectedResponse[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto('rejected_responses').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

/**
 * Keeps responses from users the instance does not know yet, one pending row per response:
 * a redelivery replaces the stored response (it may carry the comment the first lacked).
 */
export async function upsertUnknownUserRejections(db: Kysely<Database>, rows: NewRejectedResponse[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insertInto('rejected_responses')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) =>
        oc
          .columns(['source', 'source_response_id'])
          .where(sql<boolean>`reason = 'unknown_user' and replayed_at is null`)
          .doUpdateSet({
            payload: sql`excluded.payload`,
            response: sql`jsonb_set(excluded.response, '{comment}', coalesce(nullif(excluded.response->'comment', 'null'::jsonb), rejected_responses.response->'comment', 'null'::jsonb))`,
            received_at: sql`excluded.received_at`,
          }),
      )
      .execute();
  }
}

/** Unknown-user rejections not yet replayed, for these (lower-cased) emails, oldest first. */
export async function pendingUnknownUserRejections(
  db: Kysely<Database>,
  emails: string[],
): Promise<(Pick<RejectedResponse, 'id' | 'source'> & { response: StoredResponseJson })[]> {
  if (emails.length === 0) return [];
  const rows = await db
    .selectFrom('rejected_responses')
    .select(['id', 'source', 'response'])
    .where('reason', '=', 'unknown_user')
    .where('replayed_at', 'is', null)
    .where('email', '=', sql<string>`any(${emails}::text[])`)
    .orderBy('id')
    .execute();
  return rows.flatMap((row) => (row.response ? [{ id: row.id, source: row.source, response: row.response }] : []));
}

/**
 * Marks rejections as replayed with the response they became, looked up by the source's own id,
 * so one that was since delivered again directly is closed too. Returns how many were marked.
 */
export async function markReplayed(db: Kysely<Database>, rejectionIds: number[], replayedAt: Date): Promise<number> {
  if (rejectionIds.length === 0) return 0;
  const result = await sql`
    update rejected_responses r
    set replayed_at = ${replayedAt}, replayed_response_id = n.id
    from nps_responses n
    where r.id = any(${rejectionIds}::int[])
      and n.source = r.source
      and n.source_response_id = r.source_response_id
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function listRejections(
  db: Kysely<Database>,
  filter: { source?: string; reason?: RejectedResponse['reason']; pendingOnly?: boolean; limit?: number; afterId?: number },
): Promise<RejectedResponse[]> {
  let query = db.selectFrom('rejected_responses').selectAll().orderBy('id').limit(Math.min(filter.limit ?? 100, 1_000));
  if (filter.source) query = query.where('source', '=', filter.source);
  if (filter.reason) query = query.where('reason', '=', filter.reason);
  if (filter.pendingOnly) query = query.where('replayed_at', 'is', null);
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  return query.execute();
}
