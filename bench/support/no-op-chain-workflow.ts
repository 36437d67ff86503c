import { proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { retriedLocalActivities } from '../../workflows/activity-options.ts';
import type { NoOpChainActivities } from './no-op-chain.ts';

const { startSecondNoOp } = proxyLocalActivities<NoOpChainActivities>(retriedLocalActivities);

/**
 * A no-op workflow that starts a second no-op workflow the way the response workflow starts a
 * journey's (a local activity that starts it by client), then returns: what any journey of two
 * workflows costs on Temporal at the least, the baseline of `npm run bench:journeys`.
 */
export async function noOpChainWorkflow(): Promise<void> {
  await startSecondNoOp({ firstWorkflowId: workflowInfo().workflowId });
}
