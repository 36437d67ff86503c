import { type Kysely, sql } from 'kysely';
import type { BuiltInJourney } from '../../journeys/built-in-journeys.ts';
import type { JourneyDefinition } from '../../journeys/journey-definition.ts';
import { assertJourneyReady } from '../../journeys/journey-readiness.ts';
import type { Database } from '../database.ts';
import { inTransaction } from '../in-transaction.ts';
import type { JourneyChange, JourneyVersion } from '../tables/journey-versions.ts';
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

export class StaleJourneyVersionError extends Error {
  override readonly name = 'StaleJourneyVersionError';
  constructor(
    readonly journeyName: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `journey "${journeyName}" was changed by someone else: it is at version ${currentVersion}, not ${expectedVersion}; reload it and apply the change again`,
    );
  }
}

export interface JourneyChangeOptions {
  /** Who makes the change (an email, a CLI user, "npsloop"). */
  actor: string;
  /** Why, kept in the history. */
  note?: string;
  /** When the change is made; the database's transaction time if omitted. */
  at?: Date;
}

export interface GuardedJourneyChangeOptions extends JourneyChangeOptions {
  /** The version the change was made from: if the journey has moved on since, the change is refused. */
  expectedVersion?: number;
}

function changedAt(options: JourneyChangeOptions) {
  return options.at ?? sql<Date>`now()`;
}

/** Writes the journey's state after a change as its next history row. */
async function recordVersion(
  trx: Kysely<Database>,
  journey: Journey,
  change: JourneyChange,
  options: JourneyChangeOptions,
  // A deletion leaves no row to read these from.
  row: { version: number; changedAt: ReturnType<typeof changedAt> } = { version: journey.version, changedAt: journey.updated_at },
): Promise<void> {
  await trx
    .insertInto('journey_versions')
    .values({
      journey_id: journey.id,
      version: row.version,
      definition: JSON.stringify(journey.definition),
      enabled: journey.enabled,
      changed_by: options.actor,
      changed_at: row.changedAt,
      change,
      note: options.note ?? null,
    })
    .execute();
}

/**
 * The journey with this name, locked until the transaction ends so changes to it are serialised;
 * one that a change was made from (`expectedVersion`) must still be there, at that version.
 */
async function lockJourney(trx: Kysely<Database>, name: string, expectedVersion: number | undefined): Promise<Journey | undefined> {
  const journey = await trx.selectFrom('journeys').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
  if (expectedVersion === undefined) return journey;
  if (!journey) throw new JourneyNotFoundError(name);
  if (expectedVersion !== journey.version) {
    throw new StaleJourneyVersionError(name, expectedVersion, journey.version);
  }
  return journey;
}

/**
 * Saves a journey, validated beforehand by validateJourneyDefinition, under its name: version 1
 * when new (enabled unless said otherwise), the next version when its definition changed. An
 * unchanged definition (as JSON) makes no version, so re-applying the same file is harmless.
 * Enrollments keep the definition they copied, so a change reaches only later enrollments.
 * A journey that is (or is to be) enabled must be ready to run (JourneyNotReadyError). Given
 * `expectedVersion`, a journey that has moved on since is left as it is (StaleJourneyVersionError).
 */
export async function saveJourney(
  db: Kysely<Database>,
  definition: JourneyDefinition,
  options: GuardedJourneyChangeOptions & { enabled?: boolean },
): Promise<Journey> {
  return inTransaction(db, async (trx) => {
    const current = await lockJourney(trx, definition.name, options.expectedVersion);
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
    if (!saved) return getJourney(trx, definition.name);
    await recordVersion(trx, saved, saved.version === 1 ? 'created' : 'updated', options);
    return saved;
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
  options: GuardedJourneyChangeOptions,
): Promise<Journey> {
  return inTransaction(db, async (trx) => {
    const current = await lockJourney(trx, name, options.expectedVersion);
    if (!current) throw new JourneyNotFoundError(name);
    if (current.enabled === enabled) return current;
    if (enabled) assertJourneyReady(current.definition);
    const journey = await trx
      .updateTable('journeys')
      .set({ enabled, version: sql<number>`version + 1`, updated_at: changedAt(options), updated_by: options.actor })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordVersion(trx, journey, enabled ? 'enabled' : 'disabled', options);
    return journey;
  });
}

/**
 * Deletes a journey that never enrolled anyone. One that did stays, for its enrollments' sake
 * (they name it); disabling it stops new enrollments. Locked first, so no enrollment slips in.
 * Its history stays, ending with the deletion.
 */
export async function deleteJourney(db: Kysely<Database>, name: string, options: GuardedJourneyChangeOptions): Promise<Journey> {
  return inTransaction(db, async (trx) => {
    const journey = await lockJourney(trx, name, options.expectedVersion);
    if (!journey) throw new JourneyNotFoundError(name);
    const { enrollments } = await trx
      .selectFrom('enrollments')
      .select(sql<number>`count(*)::int`.as('enrollments'))
      .where('journey_name', '=', name)
      .executeTakeFirstOrThrow();
    if (enrollments > 0) throw new JourneyInUseError(name, enrollments);
    await trx.deleteFrom('journeys').where('id', '=', journey.id).execute();
    await recordVersion(trx, { ...journey, enabled: false }, 'deleted', options, { version: journey.version + 1, changedAt: changedAt(options) });
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
  return inTransaction(db, async (trx) => {
    const installed = await trx
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
      .returningAll()
      .execute();
    for (const journey of installed) await recordVersion(trx, journey, 'created', options);
    return installed.map((row) => row.name);
  });
}

/** The changes of the journey with this name, oldest first; paged by keyset: pass the last version of a page to get the next. */
export async function journeyHistory(
  db: Kysely<Database>,
  name: string,
  page: { limit?: number; afterVersion?: number } = {},
): Promise<JourneyVersion[]> {
  const journey = await getJourney(db, name);
  let query = db
    .selectFrom('journey_versions')
    .selectAll()
    .where('journey_id', '=', journey.id)
    .orderBy('version')
    .limit(Math.min(page.limit ?? 100, 1_000));
  if (page.afterVersion !== undefined) query = query.where('version', '>', page.afterVersion);
  return query.execute();
}
