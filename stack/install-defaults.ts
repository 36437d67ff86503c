import type { Kysely } from 'kysely';
import { installDefaultRules } from '../activities/install-default-rules.ts';
import type { Database } from '../db/database.ts';
import { installMissingJourneys } from '../db/queries/journeys.ts';
import { BUILT_IN_JOURNEYS } from '../journeys/built-in-journeys.ts';

/** The shipped rules and built-in journeys an instance lacks; an admin's edits are kept. */
export async function installDefaults(db: Kysely<Database>): Promise<{ rules: string[]; journeys: string[] }> {
  const rules = await installDefaultRules(db);
  const journeys = await installMissingJourneys(db, BUILT_IN_JOURNEYS, { actor: 'npsloop' });
  return { rules, journeys };
}
