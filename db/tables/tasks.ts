import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const TASK_TYPES = ['detractor_follow_up'] as const;
export type TaskType = (typeof TASK_TYPES)[number];
export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type ClosedTaskStatus = Exclude<TaskStatus, 'open'>;

/** Work for a CSM (or, escalated, someone up their chain) that a journey waits on. */
export interface TasksTable {
  id: Generated<number>;
  /** From business ids (enrollment + escalation level), never a run id, which changes on retry. */
  idempotency_key: ColumnType<string, string, never>;
  type: ColumnType<TaskType, TaskType, never>;
  user_id: ColumnType<number, number, never>;
  account_id: ColumnType<number, number, never>;
  response_id: ColumnType<number, number, never>;
  enrollment_id: ColumnType<number, number, never>;
  /** Changes only when an open task is reassigned (through the API or the CLI). */
  assignee_csm_id: number;
  due_at: ColumnType<Date, Date, never>;
  status: TaskStatus;
  /** 0 for the owning CSM, 1 for their manager, and so on up the chain. */
  escalation_level: ColumnType<number, number, never>;
  outcome: string | null;
  /** The workflow to signal when the task is completed. */
  workflow_id: ColumnType<string, string, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  /** Set exactly when the task is closed (done or cancelled). */
  completed_at: Date | null;
  completed_by: string | null;
}

export type Task = Selectable<TasksTable>;
export type NewTask = Insertable<TasksTable>;
export type TaskUpdate = Updateable<TasksTable>;
