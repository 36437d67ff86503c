import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { noOpChainWorkflow } from './no-op-chain-workflow.ts';

/** The second no-op of a chain: its id follows from the first's, so the bench can await it. */
export function secondNoOpWorkflowId(firstWorkflowId: string): string {
  return `${firstWorkflowId}-second`;
}

/** One chain, waited for as a client waits for a journey: the first no-op's result, then the second's. */
export async function runNoOpChain(client: Client, taskQueue: string, workflowId: string): Promise<void> {
  await client.workflow.execute<typeof noOpChainWorkflow>('noOpChainWorkflow', { taskQueue, workflowId, workflowExecutionTimeout: '2 minutes' });
  await client.workflow.getHandle(secondNoOpWorkflowId(workflowId)).result();
}

/**
 * The chain's one activity: starts the second no-op workflow as `startJourney` starts a journey's
 * workflow (activities/start-journey.ts): by client start over the worker's own connection, with
 * eager dispatch, on the same task queue.
 */
export function noOpChainActivities(temporal: Client, taskQueue: string) {
  return {
    async startSecondNoOp({ firstWorkflowId }: { firstWorkflowId: string }): Promise<void> {
      await temporal.workflow.start('noOpWorkflow', {
        taskQueue,
        workflowId: secondNoOpWorkflowId(firstWorkflowId),
        requestEagerStart: temporal.connection instanceof NativeConnection,
        workflowExecutionTimeout: '2 minutes',
      });
    },
  };
}

export type NoOpChainActivities = ReturnType<typeof noOpChainActivities>;
