import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retriedActivities } from './activity-options.ts';

// A full recompute may take many minutes; its heartbeats show the worker is alive, so one lost
// with a crashed worker is retried within a minute.
const { refreshEverything } = proxyActivities<Activities>({ ...retriedActivities, startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute' });

/**
 * Time alone moves rolling windows ("last 30 days"), this month's NPS and lists such as
 * "captured in the last 30 days": a schedule runs this to recompute every account's NPS
 * snapshots and health and every list, with nobody having to answer a survey first.
 */
export async function refreshDerivedStateWorkflow(): Promise<{ accounts: number; lists: number }> {
  return refreshEverything();
}
