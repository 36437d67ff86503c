import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import * as tasks from '../db/queries/tasks.ts';
import type { TaskView } from '../db/queries/tasks.ts';
import type { CsmContact } from '../db/tables/csms.ts';
import type { ClosedTaskStatus, Task } from '../db/tables/tasks.ts';
import { TaskClosedError, TaskNotFoundError } from './task-errors.ts';

/**
 * What a journey's workflow knows of its task: the people's view (TaskView) narrowed to what
 * crosses Temporal's JSON payloads without a date. Histories recorded with more fields replay,
 * since the workflow reads only these.
 */
export type JourneyTask = Pick<TaskView, 'id' | 'status' | 'outcome' | 'completedBy'>;

function journeyTask(task: Task): JourneyTask {
  return { id: task.id, status: task.status, outcome: task.outcome, completedBy: task.completed_by };
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
): Promise<{ task: JourneyTask; created: boolean }> {
  const inserted = await tasks.insertTask(db, newTask(input));
  if (inserted) return { task: journeyTask(inserted), created: true };
  return { task: await existingTask(db, input.idempotencyKey), created: false };
}

/**
 * createFollowUpTask, with whom the task escalates to from `escalatesFromCsmId` (escalationTarget;
 * null when not asked): a new task and its target from one statement.
 */
export async function openFollowUpTask(
  db: Kysely<Database>,
  input: CreateFollowUpTaskInput,
  escalatesFromCsmId: number | null,
): Promise<{ task: JourneyTask; created: boolean; next: CsmContact | null }> {
  if (escalatesFromCsmId === null) return { ...(await createFollowUpTask(db, input)), next: null };
  const inserted = await tasks.insertTaskWithManagerOf(db, newTask(input), escalatesFromCsmId);
  if (inserted) return { task: journeyTask(inserted.task), created: true, next: inserted.manager };
  return { task: await existingTask(db, input.idempotencyKey), created: false, next: await escalationTarget(db, escalatesFromCsmId) };
}

function newTask(input: CreateFollowUpTaskInput) {
  return {
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
  } as const;
}

async function existingTask(db: Kysely<Database>, idempotencyKey: string): Promise<JourneyTask> {
  const existing = await tasks.taskByIdempotencyKey(db, idempotencyKey);
  if (!existing) throw new Error(`task "${idempotencyKey}" was neither created nor found`);
  return journeyTask(existing);
}

/** Who a task goes to when its assignee lets the SLA pass: their manager, or null at the top of the chain. */
export async function escalationTarget(db: Kysely<Database>, csmId: number): Promise<CsmContact | null> {
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
export async function closeTask(db: Kysely<Database>, input: CloseTaskInput): Promise<{ task: JourneyTask; alreadyClosed: boolean }> {
  const closed = await tasks.closeOpenTask(db, input.taskId, {
    status: input.status,
    outcome: input.outcome,
    completedBy: input.completedBy ?? null,
    ...(input.at === undefined ? {} : { at: new Date(input.at) }),
  });
  if (closed) return { task: journeyTask(closed), alreadyClosed: false };
  const existing = await tasks.getTask(db, input.taskId);
  if (!existing) throw new TaskNotFoundError(input.taskId);
  return { task: journeyTask(existing), alreadyClosed: true };
}

export interface ReassignTaskInput {
  taskId: number;
  assigneeCsmId: number;
}

/**
 * Gives the open task to another CSM. Idempotent: a retry finds it theirs already. A task closed
 * meanwhile is refused (TaskClosedError), since the journey accepts a reassignment only of its open task.
 */
export async function reassignTask(db: Kysely<Database>, input: ReassignTaskInput): Promise<{ task: JourneyTask }> {
  const reassigned = await tasks.reassignOpenTask(db, input.taskId, input.assigneeCsmId);
  if (reassigned) return { task: journeyTask(reassigned) };
  const existing = await tasks.getTask(db, input.taskId);
  if (!existing) throw new TaskNotFoundError(input.taskId);
  throw new TaskClosedError(existing);
}
