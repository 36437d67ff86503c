import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';

const { recomputeAccountNps } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  // Recomputing is idempotent, so retry through a database outage with backoff, but give up
  // after an hour so the failure shows up for ops instead of retrying forever.
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface ResponseReceivedInput {
  responseId: number;
  accountId: number;
}

export async function responseReceivedWorkflow({ accountId }: ResponseReceivedInput): Promise<{ recomputed: number }> {
  return recomputeAccountNps({ accountIds: [accountId] });
}
