import { type Kysely, sql } from 'kysely';
import type { BuiltInJourney } from '../../journeys/built-in-journeys.ts';
import type { JourneyDefinition } from '../../journeys/journey-definition.ts';
import { assertJourneyReady } from '../../journeys/journey-readiness.ts';
import type { Database } from '../database.ts';
import { inTransaction } from '../in-transaction.ts';
import type { Journey } from '../tables/journeys.ts';

export class JourneyNotFoundError extends Error {
  override readonly name = 'JourneyNotFoundError';
  constructor(readonly journeyName: string) {
    super(`no journey named "${journeyName}"`);
  }
}

export class JourneyInUseError extends Error {
  override readonly name = 'JourneyInUseError';
  constructor(
    readonly journeyName: string,
    readonly enrollments: number,
  ) {
    super(`journey "${journeyName}" has ${enrollments} enrollment${enrollments === 1 ? '' : 's'}, which keep pointing at it; disable it instead`);
  }
}

export interface JourneyChangeOptions {
  /** Who makes the change (an email, a CLI user, "npsloop"). */
  actor: string;
  /** When the change is made; the database's transaction time if omitted. */
  at?: Date;
}

function changedAt(options: JourneyChangeOptions) {
  return options.at ?? sql<Date>`now()`;
}

/**
 * Saves a journey, validated beforehand by validateJourneyDefinition, under its name: version 1
 * when new (enabled unless said otherwise), the next version when its definition changed. An
 * unchanged definition (as JSON) makes no version, so re-applying the same file is harmless.
 * Enrollments keep the definition they copied, so a change reaches only later enrollments.
 * A journey that is (or is to be) enabled must be ready to run (JourneyNotReadyError).
 */
export async function saveJourney(
  db: Kysely<Database>,
  definition: JourneyDefinition,
  options: JourneyChangeOptions & { enabled?: boolean },
): Promise<Journey> {
  return inTransaction(db, async (trx) => {
    const current = await trx.selectFrom('journeys').select('enabled').where('name', '=', definition.name).forUpdate().executeTakeFirst();
    if (current?.enabled ?? options.enabled ?? true) assertJourneyReady(definition);
    const at = changedAt(options);
    const saved = await trx
      .insertInto('journeys')
      .values({
        name: definition.name,
        definition: JSON.stringify(definition),
        enabled: options.enabled ?? true,
        version: 1,
        created_at: at,
        updated_at: at,
        updated_by: options.actor,
      })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            definition: eb.ref('excluded.definition'),
            version: sql<number>`journeys.version + 1`,
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          }))
          // jsonb equality ignores key order and spacing.
          .where(sql<boolean>`journeys.definition <> excluded.definition`),
      )
      .returningAll()
      .executeTakeFirst();
    return saved ?? getJourney(trx, definition.name);
  });
}

/**
 * Enables or disables a journey; setting the state it already has changes nothing. Runs in
 * flight go on. Enabling a journey that is not ready to run is refused (JourneyNotReadyError).
 */
export async function setJourneyEnabled(
  db: Kysely<Database>,
  name: string,
  enabled: boolean,
  options: JourneyChangeOptions,
): Promise<Journey> {
  return inTransaction(db, async (trx) => {
    const current = await trx.selectFrom('journeys').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
    if (!current) throw new JourneyNotFoundError(name);
    if (current.enabled === enabled) return current;
    if (enabled) assertJourneyReady(current.definition);
    return trx
      .updateTable('journeys')
      .set({ enabled, version: sql<number>`version + 1`, updated_at: changedAt(options), updated_by: options.actor })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * Deletes a journey that never enrolled anyone. One that did stays, for its enrollments' sake
 * (they name it); disabling it stops new enrollments. Locked first, so no enrollment slips in.
 */
export async function deleteJourney(db: Kysely<Database>, name: string): Promise<Journey> {
  return inTransaction(db, async (trx) => {
    const journey = await trx.selectFrom('journeys').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
    if (!journey) throw new JourneyNotFoundError(name);
    const { enrollments } = await trx
      .selectFrom('enrollments')
      .select(sql<number>`count(*)::int`.as('enrollments'))
      .where('journey_name', '=', name)
      .executeTakeFirstOrThrow();
    if (enrollments > 0) throw new JourneyInUseError(name, enrollments);
    await trx.deleteFrom('journeys').where('id', '=', journey.id).execute();
    return journey;
  });
}

export async function getJourney(db: Kysely<Database>, name: string): Promise<Journey> {
  const journey = await db.selectFrom('journeys').selectAll().where('name', '=', name).executeTakeFirst();
  if (!journey) throw new JourneyNotFoundError(name);
  return journey;
}

/** Journeys by name, paged by keyset: pass the last name of a page to get the next. */
export async function listJourneys(
  db: Kysely<Database>,
  filter: { enabledOnly?: boolean; limit?: number; afterName?: string } = {},
): Promise<Journey[]> {
  let query = db
    .selectFrom('journeys')
    .selectAll()
    .orderBy('name')
    .limit(Math.min(filter.limit ?? 100, 1_000));
  if (filter.enabledOnly) query = query.where('enabled', '=', true);
  if (filter.afterName !== undefined) query = query.where('name', '>', filter.afterName);
  return query.execute();
}

/**
 * Saves the given journeys (the built-ins, at start-up) that the instance does not have yet;
 * a journey an admin has changed, or disabled, stays as it is. Returns the names installed.
 */
export async function installMissingJourneys(
  db: Kysely<Database>,
  journeys: readonly BuiltInJourney[],
  options: JourneyChangeOptions,
): Promise<string[]> {
  if (journeys.length === 0) return [];
  const at = changedAt(options);
  const installed = await db
    .insertInto('journeys')
    .values(
      journeys.map(({ definition, enabled }) => ({
        name: definition.name,
        definition: JSON.stringify(definition),
        enabled,
        version: 1,
        created_at: at,
        updated_at: at,
        updated_by: options.actor,
      })),
    )
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('name')
    .execute();
  return installed.map((row) => row.name);
}
