import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { monthlyDigestWorkflow } from '../workflows/monthly-digest.ts';
import { npsDropAlertWorkflow } from '../workflows/nps-drop-alert.ts';

export const MONTHLY_DIGEST_SCHEDULE_ID = 'npsloop-monthly-digest';
export const NPS_DROP_ALERT_SCHEDULE_ID = 'npsloop-nps-drop-alert';

/**
 * The report schedules, in the instance's time zone: the monthly digest at 08:00 on the weekdays
 * among the 1st to the 3rd (the first working day of a month is one of them, and the digest itself
 * goes out only on that one), and the drop alerts at 09:00 every day. Every worker calls this at
 * start; the first creates them, the others bring them in line with the configured zone.
 */
export async function ensureReportSchedules(temporal: Client, taskQueue: string, timeZone: string): Promise<void> {
  const schedules: ScheduleOptions[] = [
    {
      scheduleId: MONTHLY_DIGEST_SCHEDULE_ID,
      spec: {
        calendars: [{ comment: 'the first working days of the month, 08:00', dayOfMonth: { start: 1, end: 3 }, dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' }, hour: 8 }],
        timezone: timeZone,
      },
      action: { type: 'startWorkflow', workflowType: monthlyDigestWorkflow, workflowId: 'monthly-digest', taskQueue },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    },
    {
      scheduleId: NPS_DROP_ALERT_SCHEDULE_ID,
      spec: { calendars: [{ comment: 'every day, 09:00', hour: 9 }], timezone: timeZone },
      action: { type: 'startWorkflow', workflowType: npsDropAlertWorkflow, workflowId: 'nps-drop-alert', taskQueue },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
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
