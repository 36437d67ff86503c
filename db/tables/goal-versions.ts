import type { ColumnType, Insertable, Selectable } from 'kysely';

export type GoalChange = 'created' | 'updated' | 'removed';

/** One row per change of a goal, never updated: who changed what, and when. */
export interface GoalVersionsTable {
  goal_id: number;
  version: number;
  /** The definition as it was after this change. */
  definition: ColumnType<unknown, string, never>;
  change: GoalChange;
  changed_by: string;
  changed_at: Date;
}

export type GoalVersion = Selectable<GoalVersionsTable>;
export type NewGoalVersion = Insertable<GoalVersionsTable>;
