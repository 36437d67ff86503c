import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { closeTask } from './follow-up-tasks.ts';
import type { Database } from '../db/database.ts';
import { getTask, getTaskView, type TaskView } from '../db/queries/tasks.ts';
import { completeTaskUpdate } from '../journeys/journey-messages.ts';
import type { TaskActor } from './task-actor.ts';
import { TaskClosedError, TaskNotActionableError, TaskNotFoundError } from './task-errors.ts';
import { updateJourney } from '../journeys/tell-journey.ts';

export interface CompletedTask {
  task: TaskView;
  /** 'not_running': the journey had already ended, so only the task was closed. */
  journey: 'signalled' | 'not_running';
}

/**
 * A person completes a task: it is done with their outcome, and its journey ends with that outcome
 * on the user's timeline.
 *
 * The journey's workflow is asked through an update and closes the task itself, so what happens to
 * a task is decided in one place, in one order: a completion that arrives as the SLA escalates the
 * task is refused (TaskNotActionableError) rather than both happening. No row lock or transaction
 * is held while Temporal is called. When Temporal or its worker does not answer, the task stays
 * open (TemporalUnavailableError). A journey that has ended has nobody to tell: the task is closed
 * directly. A second completion finds the task closed (TaskClosedError).
 */
export async function completeTaskAndTellJourney(
  { db, temporal }: { db: Kysely<Database>; temporal: Client },
  taskId: number,
  { actor, outcome }: { actor: TaskActor; outcome: string },
): Promise<CompletedTask> {
  const task = await getTask(db, taskId);
  if (!task || (actor.csmId !== undefined && task.assignee_csm_id !== actor.csmId)) throw new TaskNotFoundError(taskId);
  if (task.status !== 'open') throw new TaskClosedError(task);
  const completion = { taskId, completedBy: actor.name, outcome };
  // One completion per task: a retry after a timeout reaches the first request's outcome.
  const answer = await updateJourney(temporal, task.workflow_id, completeTaskUpdate, completion, `complete-task-${taskId}`);
  if (answer.status === 'not_running') {
    const closed = await closeTask(db, { taskId, status: 'done', outcome, completedBy: actor.name });
    if (closed.alreadyClosed) throw new TaskClosedError(await taskOrThrow(db, taskId));
  } else if (answer.status === 'refused') {
    const now = await taskOrThrow(db, taskId);
    throw now.status === 'open' ? new TaskNotActionableError(taskId, answer.reason) : new TaskClosedError(now);
  }
  const view = await getTaskView(db, taskId);
  if (!view) throw new TaskNotFoundError(taskId);
  return { task: view, journey: answer.status === 'done' ? 'signalled' : 'not_running' };
}

async function taskOrThrow(db: Kysely<Database>, taskId: number) {
  const task = await getTask(db, taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  return task;
}
