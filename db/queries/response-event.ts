import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { CONTEXT_PARTY_COLUMNS, type ResponseContext, responseContextOf } from './enrollment-context.ts';

export interface ResponseEventRow {
  response_id: number;
  user_id: number;
  account_id: number;
  score: number;
  category: string;
  comment: string | null;
  responded_at: Date;
  source: string;
  role: string | null;
  persona: string | null;
  account_segment: string | null;
  /** The user's response given just before this one, if any. */
  previous_score: number | null;
  previous_category: string | null;
}

/** One response with what a trigger may ask about it: the user, the account, the answer before. */
export async function responseEvent(db: Kysely<Database>, responseId: number): Promise<ResponseEventRow | undefined> {
  return responseEventQuery(db, responseId).executeTakeFirst();
}

/**
 * A response's event and, from the same read, the context a journey it starts is enrolled with:
 * what acting on a response reads before it enrolls anyone.
 */
export async function responseEventWithContext(
  db: Kysely<Database>,
  responseId: number,
): Promise<{ event: ResponseEventRow; context: ResponseContext } | undefined> {
  const row = await responseEventQuery(db, responseId).leftJoin('csms as c', 'c.id', 'r.csm_id').select(CONTEXT_PARTY_COLUMNS).executeTakeFirst();
  return row && { event: row, context: responseContextOf(row) };
}

function responseEventQuery(db: Kysely<Database>, responseId: number) {
  return db
    .selectFrom('nps_responses as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .innerJoin('accounts as a', 'a.id', 'r.account_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('nps_responses as p')
          .select(['p.score', 'p.category'])
          .whereRef('p.user_id', '=', 'r.user_id')
          .where((w) =>
            w.or([
              w('p.responded_at', '<', w.ref('r.responded_at')),
              w.and([w('p.responded_at', '=', w.ref('r.responded_at')), w('p.id', '<', w.ref('r.id'))]),
            ]),
          )
          .orderBy('p.responded_at', 'desc')
          .orderBy('p.id', 'desc')
          .limit(1)
          .as('previous'),
      (join) => join.onTrue(),
    )
    .select([
      'r.id as response_id',
      'r.user_id',
      'r.account_id',
      'r.score',
      'r.category',
      'r.comment',
      'r.responded_at',
      'r.source',
      'u.role',
      'u.persona',
      'a.segment as account_segment',
      'previous.score as previous_score',
      'previous.category as previous_category',
    ])
    .where('r.id', '=', responseId);
}

/**
 * The response a workflow was started for is not in the database: a failure no retry can fix
 * (workflows/activity-options.ts lists it as non-retryable).
 */
export class ResponseNotFoundError extends Error {
  override readonly name = 'ResponseNotFoundError';
  constructor(readonly responseId: number, detail = '') {
    super(`no NPS response with id ${responseId}${detail}`);
  }
}
