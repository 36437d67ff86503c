import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { CsmContact } from '../tables/csms.ts';

/**
 * The CSMs a CSM id ("12") or an email names. CSM emails are not unique, so an email may name
 * more than one: the caller decides what several mean.
 */
export async function csmsByIdOrEmail(db: Kysely<Database>, idOrEmail: string): Promise<CsmContact[]> {
  const text = idOrEmail.trim();
  const query = db.selectFrom('csms').select(['id', 'email', 'name']).orderBy('id');
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    return Number.isSafeInteger(id) && id <= 2_147_483_647 ? query.where('id', '=', id).execute() : [];
  }
  return query.where('email', '=', text.toLowerCase()).execute();
}

/** The zone a CSM reads times in, or null for the instance's. */
export async function timeZoneOfCsm(db: Kysely<Database>, csmId: number): Promise<string | null> {
  return (await db.selectFrom('csms').select('time_zone').where('id', '=', csmId).executeTakeFirst())?.time_zone ?? null;
}

/** Every CSM with the manager they report to: the reporting chain teams are read from. */
export async function csmReportingLines(db: Kysely<Database>): Promise<{ id: number; managerId: number | null }[]> {
  return db.selectFrom('csms').select(['id', 'manager_id as managerId']).execute();
}

/** Every CSM by name, with whom they report to: the people a task can go to. */
export async function listCsms(db: Kysely<Database>): Promise<(CsmContact & { managerId: number | null })[]> {
  return db.selectFrom('csms').select(['id', 'email', 'name', 'manager_id as managerId']).orderBy('name').orderBy('id').execute();
}
