import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { GoalDefinition } from './goal-definition.ts';

/** Why a goal's scope names nobody (a CSM or manager the instance does not know), or null. */
export async function unknownGoalScope(db: Kysely<Database>, { scope }: GoalDefinition): Promise<string | null> {
  if (scope.kind !== 'csm' && scope.kind !== 'team') return null;
  const known = await db.selectFrom('csms').select('id').where('external_id', '=', scope.csm).executeTakeFirst();
  return known ? null : `no CSM with external id "${scope.csm}" is known to this instance`;
}
