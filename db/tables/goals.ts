import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** An NPS goal; reports/goal-definition.ts says what its definition holds. */
export interface GoalsTable {
  id: Generated<number>;
  /** Unique among goals that are not removed. */
  name: string;
  definition: ColumnType<unknown, string, string>;
  /** Bumped by every change; `goal_versions` keeps each one. */
  version: number;
  created_at: ColumnType<Date, Date, never>;
  created_by: ColumnType<string, string, never>;
  updated_at: Date;
  updated_by: string;
  removed_at: Date | null;
}

export type Goal = Selectable<GoalsTable>;
export type NewGoal = Insertable<GoalsTable>;
export type GoalUpdate = Updateable<GoalsTable>;
