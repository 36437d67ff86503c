import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import * as tasks from '../db/queries/tasks.ts';
import type { ClosedTaskStatus, Task, TaskStatus } from '../db/tables/tasks.ts';
import { TaskClosedError, TaskNotFoundError } from './task-errors.ts';

/** A task as a workflow or the API sees it: JSON-safe, times as ISO strings. */
export interface FollowUpTask {
  id: number;
  enrollmentId: number;
  userId: number;
  accountId: number;
  responseId: number;
  assigneeCsmId: number;
  escalationLevel: number;
  status: TaskStatus;
  dueAt: string;
  outcome: string | null;
  workflowId: string;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
}

function followUpTask(task: Task): FollowUpTask {
  return {
    id: task.id,
    enrollmentId: task.enrollment_id,
    userId: task.user_id,
    accountId: task.account_id,
    responseId: task.response_id,
    assigneeCsmId: task.assignee_csm_id,
    escalationLevel: task.escalation_level,
    status: task.status,
    dueAt: task.due_at.toISOString(),
    outcome: task.outcome,
    workflowId: task.workflow_id,
    createdAt: task.created_at.toISOString(),
    completedAt: task.completed_at?.toISOString() ?? null,
    completedBy: task.completed_by,
  };
}

export interface CreateFollowUpTaskInput {
  /** From business ids, e.g. `${enrollmentId}:level-${escalationLevel}`; never a run id. */
  idempotencyKey: string;
  enrollmentId: number;
  userId: number;
  accountId: number;
  responseId: number;
  assigneeCsmId: number;
  /** The workflow's times (ISO strings once they have crossed Temporal's JSON payloads). */
  dueAt: Date | string;
  escalationLevel: number;
  workflowId: string;
  /** When the task is created; the database's clock if omitted. */
  at?: Date | string;
}

/** Creates an open follow-up task; the same idempotency key again returns the task it created, as it is now. */
export async function createFollowUpTask(
  db: Kysely<Database>,
  input: CreateFollowUpTaskInput,
): Promise<{ task: FollowUpTask; created: boolean }> {
  const inserted = await tasks.insertTask(db, {
    idempotency_key: input.idempotencyKey,
    type: 'detractor_follow_up',
    user_id: input.userId,
    account_id: input.accountId,
    response_id: input.responseId,
    enrollment_id: input.enrollmentId,
    assignee_csm_id: input.assigneeCsmId,
    due_at: new Date(input.dueAt),
    escalation_level: input.escalationLevel,
    workflow_id: input.workflowId,
    ...(input.at === undefined ? {} : { created_at: new Date(input.at) }),
  });
  if (inserted) return { task: followUpTask(inserted), created: true };
  const existing = await tasks.taskByIdempotencyKey(db, input.idempotencyKey);
  if (!existing) throw new Error(`task "${input.idempotencyKey}" was neither created nor found`);
  return { task: followUpTask(existing), created: false };
}

/** Who a task goes to when its assignee lets the SLA pass: their manager, or null at the top of the chain. */
export async function escalationTarget(db: Kysely<Database>, csmId: number): Promise<{ id: number; email: string; name: string } | null> {
  return (await tasks.managerOf(db, csmId)) ?? null;
}

export interface CloseTaskInput {
  taskId: number;
  status: ClosedTaskStatus;
  outcome: string | null;
  completedBy?: string | null;
  /** The database's clock if omitted. */
  at?: Date | string;
}

/** Closes an open task. Closing a task already closed changes nothing and says so (`alreadyClosed`). */
export async function closeTask(db: Kysely<Database>, input: CloseTaskInput): Promise<{ task: FollowUpTask; alreadyClosed: boolean }> {
  const closed = await tasks.closeOpenTask(db, input.taskId, {
    status: input.status,
    outcome: input.outcome,
    completedBy: input.completedBy ?? null,
    ...(input.at === undefined ? {} : { at: new Date(input.at) }),
  });
  if (closed) return { task: followUpTask(closed), alreadyClosed: false };
  const existing = await tasks.getTask(db, input.taskId);
  if (!existing) throw new TaskNotFoundError(input.taskId);
  return { task: followUpTask(existing), alreadyClosed: true };
}

export interface ReassignTaskInput {
  taskId: number;
  assigneeCsmId: number;
}

/**
 * Gives the open task to another CSM. Idempotent: a retry finds it theirs already. A task closed
 * meanwhile is refused (TaskClosedError), since the journey accepts a reassignment only of its open task.
 */
export async function reassignTask(db: Kysely<Database>, input: ReassignTaskInput): Promise<{ task: FollowUpTask }> {
  const reassigned = await tasks.reassignOpenTask(db, input.taskId, input.assigneeCsmId);
  if (reassigned) return { task: followUpTask(reassigned) };
  const existing = await tasks.getTask(db, input.taskId);
  if (!existing) throw new TaskNotFoundError(input.taskId);
  throw new TaskClosedError(existing);
}

/** The user's open tasks, soonest due first: closed, for instance, when the user later answers as a promoter. */
export async function openTasksOfUser(db: Kysely<Database>, userId: number): Promise<FollowUpTask[]> {
  return (await tasks.openTasksOfUser(db, userId)).map(followUpTask);
}
