import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { refreshDerivedStateWorkflow } from '../workflows/refresh-derived-state.ts';

export const REFRESH_SCHEDULE_ID = 'npsloop-refresh-derived-state';

/**
 * Makes sure the hourly refresh of NPS snapshots, health and lists is scheduled: every worker
 * calls this at start; the first creates the schedule, the others find it. A run still going
 * when the next is due is not doubled.
 */
export async function ensureRefreshSchedule(temporal: Client, taskQueue: string, every = '1 hour'): Promise<void> {
  try {
    await temporal.schedule.create({
      scheduleId: REFRESH_SCHEDULE_ID,
      spec: { intervals: [{ every }] },
      action: { type: 'startWorkflow', workflowType: refreshDerivedStateWorkflow, workflowId: 'refresh-derived-state', taskQueue },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
