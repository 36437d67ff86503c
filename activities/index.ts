import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettings } from '../db/queries/account-nps.ts';
import { recomputeAccountNps, type RecomputeAccountNpsInput } from './recompute-account-nps.ts';

export interface ActivityDependencies {
  db: Kysely<Database>;
  /** Read at each call: "this month" moves with the clock. */
  npsSettings: () => NpsSettings;
}

/** Every side effect a workflow needs, bound to its real dependencies. */
export function createActivities({ db, npsSettings }: ActivityDependencies) {
  return {
    recomputeAccountNps: (input: RecomputeAccountNpsInput) => recomputeAccountNps(db, npsSettings(), input),
  };
}
