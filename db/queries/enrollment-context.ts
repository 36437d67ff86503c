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

/** The context of a response, with when it was given; undefined when there is no such response. */
export async function enrollmentContext(
  db: Kysely<Database>,
  responseId: number,
): Promise<(EnrollmentContext & { respondedAt: Date }) | undefined> {
  const row = await db
    .selectFrom('nps_responses as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .innerJoin('accounts as a', 'a.id', 'r.account_id')
    .leftJoin('csms as c', 'c.id', 'r.csm_id')
    .select([
      'r.id as response_id',
      'r.score',
      'r.category',
      'r.comment',
      'r.responded_at',
      'u.id as user_id',
      'u.email as user_email',
      'u.name as user_name',
      'a.id as account_id',
      'a.external_id as account_external_id',
      'a.name as account_name',
      'c.id as csm_id',
      'c.email as csm_email',
      'c.name as csm_name',
    ])
    .where('r.id', '=', responseId)
    .executeTakeFirst();
  if (!row) return undefined;
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
