import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { csmsByIdOrEmail } from '../db/queries/csms.ts';
import type { CsmContact } from '../db/tables/csms.ts';
import { AssigneeNotFoundError } from './task-errors.ts';

/** The one CSM a CSM id ("12") or email names; AssigneeNotFoundError for none or several. */
export async function resolveAssignee(db: Kysely<Database>, idOrEmail: string): Promise<CsmContact> {
  const matches = await csmsByIdOrEmail(db, idOrEmail);
  if (matches.length !== 1) throw new AssigneeNotFoundError(idOrEmail, matches.length);
  return matches[0]!;
}
