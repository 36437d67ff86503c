import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { emailActivities, retriedActivities } from './activity-options.ts';

const { digestPlan, composeMonthlyDigest } = proxyActivities<Activities>({ ...retriedActivities, startToCloseTimeout: '5 minutes' });
const { sendEmail } = proxyActivities<Activities>(emailActivities);

export interface MonthlyDigestInput {
  /** The time the digest is for (default: now); a test or a rerun names it. */
  at?: string;
  /** Send even when `at` is not the first working day of its month (a manual run). */
  anyDay?: boolean;
}

/**
 * The monthly digest. Its schedule fires on the first working days' mornings; only on the first
 * working day of the month does anything go out: one email per person, for the month just ended.
 * Each email's key names the person and the month, so a second firing sends nothing more.
 */
export async function monthlyDigestWorkflow(input: MonthlyDigestInput = {}): Promise<{ month: string | null; sent: number; empty: number }> {
  const at = input.at ?? new Date().toISOString();
  const plan = await digestPlan({ at, anyDay: input.anyDay ?? false });
  const { monthStart, monthKey } = plan;
  if (monthStart === null) return { month: null, sent: 0, empty: 0 };
  const outcomes = await Promise.all(
    plan.recipients.map(async (csmId) => {
      const email = await composeMonthlyDigest({ csmId, monthStart, at });
      if (email === null) return 'empty' as const;
      await sendEmail({ ...email, workflowId: `monthly-digest-${monthKey}` });
      return 'sent' as const;
    }),
  );
  return { month: monthKey, sent: outcomes.filter((o) => o === 'sent').length, empty: outcomes.filter((o) => o === 'empty').length };
}
