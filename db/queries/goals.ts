import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import { inTransaction } from '../in-transaction.ts';
import type { GoalChange, GoalVersion } from '../tables/goal-versions.ts';
import type { Goal } from '../tables/goals.ts';

/*
 * NPS goals, versioned as rules are: every change bumps the version and writes a history row in
 * the same transaction; a removed goal stays, with its history, and frees its name. A definition
 * is stored as given, validated by the caller (reports/goal-definition.ts).
 */

export class GoalNotFoundError extends Error {
  override readonly name = 'GoalNotFoundError';
  constructor(readonly goalId: number) {
    super(`no goal ${goalId}`);
  }
}

export class GoalConflictError extends Error {
  override readonly name = 'GoalConflictError';
  constructor(readonly goalName: string) {
    super(`a goal named "${goalName}" already exists; choose another name, or change or remove that goal`);
  }
}

export class StaleGoalVersionError extends Error {
  override readonly name = 'StaleGoalVersionError';
  constructor(
    readonly goalId: number,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`goal ${goalId} was changed by someone else: it is at version ${currentVersion}, not ${expectedVersion}; reload it and apply the change again`);
  }
}

export interface GoalChangeOptions {
  /** Who makes the change: an API token's name, the CLI's user. */
  actor: string;
  /** The version the change was made from: if the goal has moved on since, the change is refused. */
  expectedVersion?: number;
}

/** A goal definition as validated by reports/goal-definition.ts: stored as JSON, named by its `name`. */
type Definition = { readonly name: string; readonly [field: string]: unknown };

export async function createGoal(db: Kysely<Database>, definition: Definition, { actor }: GoalChangeOptions): Promise<Goal> {
  return inTransaction(db, async (trx) => {
    const goal = await trx
      .insertInto('goals')
      .values({
        name: definition.name,
        definition: JSON.stringify(definition),
        version: 1,
        created_at: sql<Date>`now()`,
        created_by: actor,
        updated_at: sql<Date>`now()`,
        updated_by: actor,
      })
      .onConflict((oc) => oc.column('name').where('removed_at', 'is', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!goal) throw new GoalConflictError(definition.name);
    await recordVersion(trx, goal, 'created');
    return goal;
  });
}

/** Replaces a goal's definition; the same definition again changes nothing and makes no version. */
export async function updateGoal(db: Kysely<Database>, id: number, definition: Definition, options: GoalChangeOptions): Promise<Goal> {
  return inTransaction(db, async (trx) => {
    const current = await lockLiveGoal(trx, id, options.expectedVersion);
    const json = JSON.stringify(definition);
    let goal: Goal | undefined;
    try {
      goal = await trx
        .updateTable('goals')
        .set({ name: definition.name, definition: json, version: sql`version + 1`, updated_at: sql<Date>`now()`, updated_by: options.actor })
        .where('id', '=', id)
        .where(sql<boolean>`definition <> ${json}::jsonb`)
        .returningAll()
        .executeTakeFirst();
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).code === '23505') throw new GoalConflictError(definition.name);
      throw error;
    }
    if (!goal) return current;
    await recordVersion(trx, goal, 'updated');
    return goal;
  });
}

export async function removeGoal(db: Kysely<Database>, id: number, options: GoalChangeOptions): Promise<Goal> {
  return inTransaction(db, async (trx) => {
    await lockLiveGoal(trx, id, options.expectedVersion);
    const goal = await trx
      .updateTable('goals')
      .set({ removed_at: sql<Date>`now()`, version: sql`version + 1`, updated_at: sql<Date>`now()`, updated_by: options.actor })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordVersion(trx, goal, 'removed');
    return goal;
  });
}

/** A live goal. */
export async function getGoal(db: Kysely<Database>, id: number): Promise<Goal> {
  const goal = await db.selectFrom('goals').selectAll().where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  if (!goal) throw new GoalNotFoundError(id);
  return goal;
}

/** Every live goal, by name (an instance has dozens, not thousands). */
export async function listGoals(db: Kysely<Database>): Promise<Goal[]> {
  return db.selectFrom('goals').selectAll().where('removed_at', 'is', null).orderBy('name').limit(1_000).execute();
}

/** A goal's changes, oldest first; a removed goal's too. */
export async function goalHistory(db: Kysely<Database>, id: number): Promise<GoalVersion[]> {
  const versions = await db.selectFrom('goal_versions').selectAll().where('goal_id', '=', id).orderBy('version').execute();
  if (versions.length === 0) throw new GoalNotFoundError(id);
  return versions;
}

async function lockLiveGoal(trx: Kysely<Database>, id: number, expectedVersion: number | undefined): Promise<Goal> {
  const goal = await trx.selectFrom('goals').selectAll().where('id', '=', id).where('removed_at', 'is', null).forUpdate().executeTakeFirst();
  if (!goal) throw new GoalNotFoundError(id);
  if (expectedVersion !== undefined && expectedVersion !== goal.version) throw new StaleGoalVersionError(id, expectedVersion, goal.version);
  return goal;
}

async function recordVersion(trx: Kysely<Database>, goal: Goal, change: GoalChange): Promise<void> {
  await trx
    .insertInto('goal_versions')
    .values({ goal_id: goal.id, version: goal.version, definition: JSON.stringify(goal.definition), change, changed_by: goal.updated_by, changed_at: goal.updated_at })
    .execute();
}
