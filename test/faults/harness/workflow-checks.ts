import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WorkflowsOutcome {
  completed: number;
  /** Workflow ids with no completed run by the deadline, and the statuses their runs had. */
  notCompleted: { workflowId: string; statuses: string[] }[];
  /** Runs beyond the first for one workflow id (a start repeated after its first run had ended). */
  reruns: number;
}

/** Every run of this workflow type the server knows, by workflow id, with each run's status. */
async function runsOfType(client: Client, workflowType: string, status?: string): Promise<Map<string, string[]>> {
  const runs = new Map<string, string[]>();
  const query = `WorkflowType = "${workflowType}"${status ? ` AND ExecutionStatus = "${status}"` : ''}`;
  for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
    runs.set(execution.workflowId, [...(runs.get(execution.workflowId) ?? []), execution.status.name]);
  }
  return runs;
}

/**
 * Polls Temporal until every one of these workflows has a completed run, or the time is up
 * (without throwing: the caller records what is missing). Temporal being unreachable for a
 * moment only delays the answer.
 */
export async function awaitWorkflowsCompleted(
  client: Client,
  workflowType: string,
  workflowIds: string[],
  { seconds, signal }: { seconds: number; signal: AbortSignal },
): Promise<WorkflowsOutcome> {
  const deadline = Date.now() + seconds * 1000;
  let completed = new Set<string>();
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    try {
      completed = new Set((await runsOfType(client, workflowType, 'Completed')).keys());
      if (workflowIds.every((id) => completed.has(id))) break;
    } catch {
      // Temporal restarting: ask again.
    }
    await sleep(1_000, undefined, { signal });
  }
  const runs = await runsOfType(client, workflowType);
  return {
    completed: workflowIds.filter((id) => completed.has(id)).length,
    notCompleted: workflowIds.filter((id) => !completed.has(id)).map((workflowId) => ({ workflowId, statuses: runs.get(workflowId) ?? [] })),
    reruns: workflowIds.reduce((sum, id) => sum + Math.max(0, (runs.get(id)?.length ?? 0) - 1), 0),
  };
}

/** The status of each workflow's latest run ('NOT_FOUND' when the server has none). */
export async function workflowStatuses(client: Client, workflowIds: string[]): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (let i = 0; i < workflowIds.length; i += 20) {
    await Promise.all(
      workflowIds.slice(i, i + 20).map(async (workflowId) => {
        try {
          statuses.set(workflowId, (await client.workflow.getHandle(workflowId).describe()).status.name);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          statuses.set(workflowId, 'NOT_FOUND');
        }
      }),
    );
  }
  return statuses;
}
