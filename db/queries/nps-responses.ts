import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

/** A response of one source, as it is stored (the source is the batch's). */
export interface ResponseRow {
  sourceResponseId: string;
  /** Lower-cased and trimmed. */
  email: string;
  score: number;
  respondedAt: Date;
  comment: string | null;
  /** The survey tool asked for it to be left out of NPS. */
  excluded: boolean;
}

export interface UpsertedResponse {
  id: number;
  accountId: number;
  userId: number;
  sourceResponseId: string;
  /** false when an existing row was updated in place (a redelivery with changes, or a later comment). */
  inserted: boolean;
}

export interface UpsertResponsesResult {
  /** Rows inserted or changed; a redelivery that changes nothing is not listed. Empty in summary mode. */
  upserted: UpsertedResponse[];
  inserted: number;
  updated: number;
  /** Accounts with an inserted or changed response. */
  accountIds: number[];
  /** Source ids whose email matches no known user. */
  unknownUserIds: string[];
  /** In summary mode, the inserted or changed responses given on or after `listIdsFrom`. */
  idsFrom: number[];
}

/**
 * Stores one source's responses in a single statement: matches users by email, credits the
 * account and the CSM who owned it when the response was given, and upserts on the source's
 * own id so a redelivery or an update never makes a second row. Rows must have distinct ids.
 * `detail: 'summary'` returns counts and accounts instead of one row per response, which is
 * what a bulk import needs, and the ids of only the recent ones (given on or after `listIdsFrom`).
 */
export async function upsertResponses(
  db: Kysely<Database>,
  source: string,
  rows: ResponseRow[],
  receivedAt: Date,
  { detail = 'rows', listIdsFrom = null }: { detail?: 'rows' | 'summary'; listIdsFrom?: Date | null } = {},
): Promise<UpsertResponsesResult> {
  if (rows.length === 0) return { upserted: [], inserted: 0, updated: 0, accountIds: [], unknownUserIds: [], idsFrom: [] };
  const perRow = detail === 'rows';
  const { rows: result } = await sql<{
    id: number | null;
    account_id: number | null;
    user_id: number | null;
    source_response_id: string | null;
    inserted: boolean | null;
    inserted_count: number | null;
    changed_count: number | null;
    account_ids: number[] | null;
    ids_from: number[] | null;
  }>`
    with input as (
      select *
      from unnest(
        ${rows.map((r) => r.sourceResponseId)}::text[],
        ${rows.map((r) => r.email)}::text[],
        ${rows.map((r) => r.score)}::smallint[],
        ${rows.map((r) => r.respondedAt.toISOString())}::timestamptz[],
        ${rows.map((r) => r.comment)}::text[],
        ${rows.map((r) => r.excluded)}::boolean[]
      ) as t(source_response_id, email, score, responded_at, comment, excluded)
    ),
    matched as materialized (
      select i.*, u.id as user_id, u.account_id, owner.csm_id
      from input i
      left join users u on u.email = i.email
      left join lateral (
        select o.csm_id from account_ownership o
        where o.account_id = u.account_id
          and o.valid_from <= i.responded_at
          and (o.valid_to is null or o.valid_to > i.responded_at)
        order by o.valid_from desc
        limit 1
      ) owner on true
    ),
    upserted as (
      insert into nps_responses
        (user_id, account_id, csm_id, score, comment, responded_at, received_at, updated_at, source, source_response_id, excluded)
      select user_id, account_id, csm_id, score, comment, responded_at, ${receivedAt}, ${receivedAt}, ${source}, source_response_id, excluded
      from matched
      where user_id is not null
      on conflict (source, source_response_id) do update set
        score = excluded.score,
        -- A comment arrives after the score (Delighted's "updated"); a late redelivery of the
        -- comment-less "created" must not erase it.
        comment = coalesce(excluded.comment, nps_responses.comment),
        responded_at = excluded.responded_at,
        -- A corrected response time may fall in another owner's time.
        csm_id = excluded.csm_id,
        excluded = excluded.excluded,
        updated_at = excluded.updated_at
      where (nps_responses.score, nps_responses.responded_at, nps_responses.excluded) is distinct from (excluded.score, excluded.responded_at, excluded.excluded)
         or (excluded.comment is not null and excluded.comment is distinct from nps_responses.comment)
      returning id, account_id, user_id, source_response_id, responded_at, (xmax = 0) as inserted
    )
    ${
      perRow
        ? sql`select id, account_id, user_id, source_response_id, inserted, null::int as inserted_count, null::int as changed_count, null::int[] as account_ids,
            null::int[] as ids_from from upserted`
        : sql`select null::int as id, null::int as account_id, null::int as user_id, null::text as source_response_id, null::boolean as inserted,
            (count(*) filter (where inserted))::int as inserted_count, count(*)::int as changed_count,
            coalesce(array_agg(distinct account_id), '{}') as account_ids,
            coalesce(array_agg(id) filter (where responded_at >= ${listIdsFrom}::timestamptz), '{}') as ids_from
          from upserted`
    }
    union all
    select null, null, null, source_response_id, null, null, null, null, null from matched where user_id is null
  `.execute(db);
  const upserted: UpsertedResponse[] = [];
  const unknownUserIds: string[] = [];
  let inserted = 0;
  let changed = 0;
  let idsFrom: number[] = [];
  const accountIds = new Set<number>();
  for (const row of result) {
    if (row.changed_count !== null) {
      inserted = row.inserted_count ?? 0;
      changed = row.changed_count;
      for (const id of row.account_ids ?? []) accountIds.add(id);
      idsFrom = row.ids_from ?? [];
    } else if (row.id === null || row.account_id === null || row.user_id === null) {
      unknownUserIds.push(row.source_response_id!);
    } else {
      upserted.push({
        id: row.id,
        accountId: row.account_id,
        userId: row.user_id,
        sourceResponseId: row.source_response_id!,
        inserted: row.inserted === true,
      });
      accountIds.add(row.account_id);
      changed += 1;
      if (row.inserted) inserted += 1;
    }
  }
  return { upserted, inserted, updated: changed - inserted, accountIds: [...accountIds], unknownUserIds, idsFrom };
}
