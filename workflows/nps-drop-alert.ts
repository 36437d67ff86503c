import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { emailActivities, retriedActivities } from './activity-options.ts';

const { composeNpsDropAlerts } = proxyActivities<Activities>({ ...retriedActivities, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });
const { sendEmail } = proxyActivities<Activities>(emailActivities);

/**
 * Looks for CSMs and teams whose NPS this month has dropped significantly below their previous
 * three months, and tells each owner. Run daily by a schedule; each alert's key names its scope
 * and month, so an owner hears of a drop once a month however often it is found.
 */
export async function npsDropAlertWorkflow(input: { at?: string } = {}): Promise<{ alerts: number }> {
  const at = input.at ?? new Date().toISOString();
  const alerts = await composeNpsDropAlerts({ at });
  for (const alert of alerts) await sendEmail({ ...alert, workflowId: 'nps-drop-alert' });
  return { alerts: alerts.length };
}
