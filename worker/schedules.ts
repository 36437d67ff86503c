import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { monthlyDigestWorkflow } from '../workflows/monthly-digest.ts';
import { npsDropAlertWorkflow } from '../workflows/nps-drop-alert.ts';
import { refreshDerivedStateWorkflow } from '../workflows/refresh-derived-state.ts';

export const REFRESH_SCHEDULE_ID = 'npsloop-refresh-derived-state';
export const MONTHLY_DIGEST_SCHEDULE_ID = 'npsloop-monthly-digest';
export const NPS_DROP_ALERT_SCHEDULE_ID = 'npsloop-nps-drop-alert';

/**
 * What runs by the clock: the hourly refresh of NPS snapshots, health and lists (rolling windows
 * move with time alone); the monthly digest at 08:00 on the weekdays among the 1st to the 3rd (the
 * first working day of a month is one of them, and the digest goes out only on that one); the drop
 * alerts at 09:00 every day; in the instance's time zone. A run still going when the next is due is
 * not doubled. Every worker calls this at start: the first creates the schedules, the others bring
 * them in line with their configuration.
 */
export async function ensureSchedules(temporal: Client, taskQueue: string, timeZone: string): Promise<void> {
  const skipOverlaps = { overlap: ScheduleOverlapPolicy.SKIP };
  const schedules: ScheduleOptions[] = [
    {
      scheduleId: REFRESH_SCHEDULE_ID,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: refreshDerivedStateWorkflow, workflowId: 'refresh-derived-state', taskQueue },
      policies: skipOverlaps,
    },
    {
      scheduleId: MONTHLY_DIGEST_SCHEDULE_ID,
      spec: {
        calendars: [{ comment: 'the first working days of the month, 08:00', dayOfMonth: { start: 1, end: 3 }, dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' }, hour: 8 }],
        timezone: timeZone,
      },
      action: { type: 'startWorkflow', workflowType: monthlyDigestWorkflow, workflowId: 'monthly-digest', taskQueue },
      policies: skipOverlaps,
    },
    {
      scheduleId: NPS_DROP_ALERT_SCHEDULE_ID,
      spec: { calendars: [{ comment: 'every day, 09:00', hour: 9 }], timezone: timeZone },
      action: { type: 'startWorkflow', workflowType: npsDropAlertWorkflow, workflowId: 'nps-drop-alert', taskQueue },
      policies: skipOverlaps,
    },
  ];
  for (const schedule of schedules) {
    try {
      await temporal.schedule.create(schedule);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await temporal.schedule.getHandle(schedule.scheduleId).update((previous) => ({ ...previous, spec: schedule.spec }));
    }
  }
}
