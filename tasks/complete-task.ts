import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { closeTask, TaskNotFoundError } from '../activities/follow-up-tasks.ts';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { getTaskView, lockTask, type TaskView } from '../db/queries/tasks.ts';
import { taskCompletedSignal } from '../workflows/journey-messages.ts';
import { signalJourney } from './signal-journey.ts';
import type { TaskActor } from './task-actor.ts';
import { TaskClosedError } from './task-errors.ts';

export interface CompletedTask {
  task: TaskView;
  /** 'not_running': the journey had already ended, so only the task was closed. */
  journey: 'signalled' | 'not_running';
}

/**
 * A person completes a task: it is done with their outcome, and its journey is told, so it ends
 * with that outcome on the user's timeline.
 *
 * The task is closed and the journey signalled in one transaction that holds the task's row:
 * when Temporal cannot be reached the transaction rolls back (TemporalUnavailableError) and the
 * task stays open, so the database never says done while the journey waits. Should the commit
 * fail after the signal, the journey closes the task itself with the same outcome. A second
 * completion waits for the first and finds the task closed (TaskClosedError).
 */
export async function completeTaskAndTellJourney(
  { db, temporal }: { db: Kysely<Database>; temporal: Client },
  taskId: number,
  { actor, outcome }: { actor: TaskActor; outcome: string },
): Promise<CompletedTask> {
  const journey = await inTransaction(db, async (trx) => {
    const task = await lockTask(trx, taskId);
    if (!task || (actor.csmId !== undefined && task.assignee_csm_id !== actor.csmId)) throw new TaskNotFoundError(taskId);
    if (task.status !== 'open') throw new TaskClosedError(task);
    await closeTask(trx, { taskId, status: 'done', outcome, completedBy: actor.name });
    return signalJourney(temporal, task.workflow_id, taskCompletedSignal, { taskId, completedBy: actor.name, outcome });
  });
  const task = await getTaskView(db, taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  return { task, journey };
}
