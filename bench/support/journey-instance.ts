import { sql } from 'kysely';
import { installDefaultRules } from '../../activities/install-default-rules.ts';
import type { Db } from '../../db/connect.ts';
import { installMissingJourneys } from '../../db/queries/journeys.ts';
import { refreshEverything } from '../../derived-state/refresh-after-change.ts';
import { BUILT_IN_JOURNEYS } from '../../journeys/built-in-journeys.ts';
import type { NpsSettingsAt } from '../../nps/nps-settings.ts';
import { seedInstance } from './bench-database.ts';

/**
 * The seeded instance the journey benchmarks run on, as `npm start` leaves it: accounts and users,
 * every CSM with a manager, `history` past responses, the shipped rules and journeys (detractor
 * follow-up enabled), its derived state refreshed, and statistics gathered.
 */
export async function seedJourneyInstance(db: Db, size: { accounts: number; users: number; history: number }, settings: NpsSettingsAt): Promise<void> {
  const k = db.kysely;
  await seedInstance(db, size.accounts, size.users);
  // Every CSM has a manager, so a follow-up's first wait has an SLA timer, as in production.
  const lead = await k.insertInto('csms').values({ external_id: 'lead', email: 'lead@cs.example', name: 'Lee Lead' }).returning('id').executeTakeFirstOrThrow();
  await k.updateTable('csms').set({ manager_id: lead.id }).where('id', '!=', lead.id).execute();
  // History older than the journeys' maximum response age (7 days): it feeds NPS, health and lists
  // and starts no journey. Each answer is 8 to 372 days and 12 hours old, so a rolling window's
  // edge (now − 30 or 90 days) stays half a day from every one of them while a benchmark runs, and
  // a recompute later in the run counts the same history.
  await sql`
    insert into nps_responses (user_id, account_id, csm_id, score, responded_at, received_at, source, source_response_id)
    select u.id, u.account_id, a.csm_id, (i * 7) % 11,
      ${settings.now}::timestamptz - (8 + (i::bigint * 7919) % 365) * interval '1 day' - interval '12 hours',
      ${settings.now}, 'csv', 'history-' || i
    from generate_series(1, ${size.history}) i
    join users u on u.id = 1 + (i * 31) % ${size.users}
    join accounts a on a.id = u.account_id
  `.execute(k);
  await installDefaultRules(k, 'bench');
  await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'bench' });
  await refreshEverything(k, settings);
  await sql`analyze`.execute(k);
}
