import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { getTask, getTaskView, type TaskView } from '../db/queries/tasks.ts';
import { reassignTaskUpdate } from '../journeys/journey-messages.ts';
import { resolveAssignee } from './resolve-assignee.ts';
import type { TaskActor } from './task-actor.ts';
import { JourneyNotRunningError, TaskClosedError, TaskNotActionableError, TaskNotFoundError } from './task-errors.ts';
import { updateJourney } from '../journeys/tell-journey.ts';

export interface ReassignedTask {
  task: TaskView;
  /** False when the task was already assigned to them: nothing changed and nobody was told. */
  changed: boolean;
}

/**
 * Gives an open task to another CSM (a CSM id or email): its journey records the new assignee,
 * then emails them and escalates from their manager chain from then on; the due time stays.
 *
 * As with completion, the journey's workflow decides through an update, with no transaction held
 * meanwhile: a reassignment that arrives as the SLA escalates the task is refused
 * (TaskNotActionableError), never half made. When Temporal or its worker does not answer
 * (TemporalUnavailableError), or the journey has ended (JourneyNotRunningError, since nobody would
 * email the new assignee), nothing changes.
 */
export async function reassignTaskAndTellJourney(
  { db, temporal }: { db: Kysely<Database>; temporal: Client },
  taskId: number,
  { actor, assignee, reason }: { actor: TaskActor; assignee: string; reason: string | null },
): Promise<ReassignedTask> {
  const task = await getTask(db, taskId);
  if (!task || (actor.csmId !== undefined && task.assignee_csm_id !== actor.csmId)) throw new TaskNotFoundError(taskId);
  if (task.status !== 'open') throw new TaskClosedError(task);
  const to = await resolveAssignee(db, assignee);
  const changed = to.id !== task.assignee_csm_id;
  if (changed) {
    const reassignment = { taskId, assignee: to, reassignedBy: actor.name, reason };
    const answer = await updateJourney(temporal, task.workflow_id, reassignTaskUpdate, reassignment, `reassign-task-${taskId}-${randomUUID()}`);
    if (answer.status === 'not_running') throw new JourneyNotRunningError(task.workflow_id);
    if (answer.status === 'refused') {
      const now = await getTask(db, taskId);
      if (!now) throw new TaskNotFoundError(taskId);
      throw now.status === 'open' ? new TaskNotActionableError(taskId, answer.reason) : new TaskClosedError(now);
    }
  }
  const view = await getTaskView(db, taskId);
  if (!view) throw new TaskNotFoundError(taskId);
  return { task: view, changed };
}
