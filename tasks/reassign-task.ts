import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { TaskNotFoundError } from '../activities/follow-up-tasks.ts';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { getTaskView, lockTask, reassignOpenTask, type TaskView } from '../db/queries/tasks.ts';
import { taskReassignedSignal } from '../workflows/journey-messages.ts';
import { resolveAssignee } from './resolve-assignee.ts';
import { signalJourney } from './signal-journey.ts';
import type { TaskActor } from './task-actor.ts';
import { JourneyNotRunningError, TaskClosedError } from './task-errors.ts';

export interface ReassignedTask {
  task: TaskView;
  /** False when the task was already assigned to them: nothing changed and nobody was told. */
  changed: boolean;
}

/**
 * Gives an open task to another CSM (a CSM id or email) and tells its journey, which emails the
 * new assignee and escalates from their manager chain from then on; the due time stays.
 *
 * As with completion, the change and the signal share one transaction holding the task's row:
 * when Temporal cannot be reached (TemporalUnavailableError) or the journey has ended
 * (JourneyNotRunningError, since nobody would email the new assignee) nothing changes.
 */
export async function reassignTaskAndTellJourney(
  { db, temporal }: { db: Kysely<Database>; temporal: Client },
  taskId: number,
  { actor, assignee, reason }: { actor: TaskActor; assignee: string; reason: string | null },
): Promise<ReassignedTask> {
  const changed = await inTransaction(db, async (trx) => {
    const task = await lockTask(trx, taskId);
    if (!task || (actor.csmId !== undefined && task.assignee_csm_id !== actor.csmId)) throw new TaskNotFoundError(taskId);
    if (task.status !== 'open') throw new TaskClosedError(task);
    const to = await resolveAssignee(trx, assignee);
    if (to.id === task.assignee_csm_id) return false;
    await reassignOpenTask(trx, taskId, to.id);
    const journey = await signalJourney(temporal, task.workflow_id, taskReassignedSignal, { taskId, assignee: to, reassignedBy: actor.name, reason });
    if (journey === 'not_running') throw new JourneyNotRunningError(task.workflow_id);
    return true;
  });
  const task = await getTaskView(db, taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  return { task, changed };
}
