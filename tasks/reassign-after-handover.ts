import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { OwnerChange } from '../ingest/sync/sync-accounts.ts';
import { reassignTaskAndTellJourney } from './reassign-task.ts';

export interface HandoverReassignment {
  /** Tasks now with the new owner, who was emailed by their journey. */
  reassigned: number[];
  /** Tasks left with whoever had them, and why; `npsloop tasks reassign` or the API can finish the job. */
  failed: { taskId: number; reason: string }[];
}

/** An open task a handover moves, with the handover. */
export interface TaskToHandOver {
  taskId: number;
  change: OwnerChange;
}

/**
 * After a handover, the open follow-up tasks of the account's detractors who answered since it
 * took effect go to the new owner, through each journey's reassignment update (so the journey
 * emails them and escalates from their chain). A task that cannot be moved is reported, and the
 * rest go on.
 */
export async function reassignTasksAfterHandover(
  { db, temporal }: { db: Kysely<Database>; temporal: Client },
  tasks: readonly TaskToHandOver[],
  recordedBy: string,
): Promise<HandoverReassignment> {
  const result: HandoverReassignment = { reassigned: [], failed: [] };
  for (const { taskId, change } of tasks) {
    try {
      await reassignTaskAndTellJourney({ db, temporal }, taskId, {
        actor: { name: recordedBy },
        assignee: String(change.csmId),
        reason: `the account was handed over from ${change.effectiveFrom.toISOString()}`,
      });
      result.reassigned.push(taskId);
    } catch (error) {
      result.failed.push({ taskId, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/**
 * The tasks the handovers move: open, unescalated tasks of each account for responses given since
 * its handover, held by someone else. Escalated tasks stay with the manager who has them: a
 * handover does not undo an escalation. A handover to nobody moves nothing.
 */
export async function tasksToHandOver(db: Kysely<Database>, changes: readonly OwnerChange[]): Promise<TaskToHandOver[]> {
  const tasks: TaskToHandOver[] = [];
  for (const change of changes) {
    if (change.csmId === null) continue;
    const rows = await db
      .selectFrom('tasks as t')
      .innerJoin('nps_responses as r', 'r.id', 't.response_id')
      .select('t.id')
      .where('t.account_id', '=', change.accountId)
      .where('t.status', '=', 'open')
      .where('t.escalation_level', '=', 0)
      .where('t.assignee_csm_id', '!=', change.csmId)
      .where('r.responded_at', '>=', change.effectiveFrom)
      .orderBy('t.id')
      .execute();
    tasks.push(...rows.map((row) => ({ taskId: row.id, change })));
  }
  return tasks;
}
