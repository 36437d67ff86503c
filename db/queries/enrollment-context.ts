import type { Kysely } from 'kysely';
import type { NpsCategory } from '../../nps/category.ts';
import type { Database } from '../database.ts';

/** What a journey needs to know about the user and the response that enrolled them; JSON-safe for workflows. */
export interface EnrollmentContext {
  user: { id: number; email: string; name: string | null; firstName: string | null };
  /** The account the user was on when they answered; externalId is its id in the CRM. */
  account: { id: number; externalId: string; name: string };
  /** The CSM who owned the account when the response was given; null when nobody did. */
  csm: { id: number; email: string; name: string } | null;
  response: { id: number; score: number; category: NpsCategory; comment: string | null; respondedAt: string };
}

/** A response's context, with when it was given. */
export type ResponseContext = EnrollmentContext & { respondedAt: Date };

/**
 * The columns a context reads beyond the response row's own (`r.id as response_id`, `r.score`,
 * `r.category`, `r.comment`, `r.responded_at`, `r.user_id`, `r.account_id`), in a query over
 * `nps_responses as r` joined to `users as u` and `accounts as a`, and left joined to `csms as c`
 * on `r.csm_id`.
 */
export const CONTEXT_PARTY_COLUMNS = [
  'u.email as user_email',
  'u.name as user_name',
  'a.external_id as account_external_id',
  'a.name as account_name',
  'c.id as csm_id',
  'c.email as csm_email',
  'c.name as csm_name',
] as const;

/** What a context is made from. */
export interface EnrollmentContextRow {
  response_id: number;
  score: number;
  category: NpsCategory;
  comment: string | null;
  responded_at: Date;
  user_id: number;
  user_email: string;
  user_name: string | null;
  account_id: number;
  account_external_id: string;
  account_name: string;
  csm_id: number | null;
  csm_email: string | null;
  csm_name: string | null;
}

/** The context of a response, with when it was given; undefined when there is no such response. */
export async function enrollmentContext(db: Kysely<Database>, responseId: number): Promise<ResponseContext | undefined> {
  const row = await db
    .selectFrom('nps_responses as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .innerJoin('accounts as a', 'a.id', 'r.account_id')
    .leftJoin('csms as c', 'c.id', 'r.csm_id')
    .select(['r.id as response_id', 'r.score', 'r.category', 'r.comment', 'r.responded_at', 'r.user_id', 'r.account_id', ...CONTEXT_PARTY_COLUMNS])
    .where('r.id', '=', responseId)
    .executeTakeFirst();
  return row && responseContextOf(row);
}

/** A context from the columns it reads (CONTEXT_PARTY_COLUMNS and the response row's own). */
export function responseContextOf(row: EnrollmentContextRow): ResponseContext {
  return {
    user: { id: row.user_id, email: row.user_email, name: row.user_name, firstName: row.user_name?.trim().split(/\s+/)[0] || null },
    account: { id: row.account_id, externalId: row.account_external_id, name: row.account_name },
    csm: row.csm_id === null || row.csm_email === null || row.csm_name === null ? null : { id: row.csm_id, email: row.csm_email, name: row.csm_name },
    response: {
      id: row.response_id,
      score: row.score,
      category: row.category,
      comment: row.comment,
      respondedAt: row.responded_at.toISOString(),
    },
    respondedAt: row.responded_at,
  };
}
