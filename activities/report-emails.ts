import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { periodContaining } from '../nps/periods.ts';
import { digestEmail, isFirstWorkingDayOfMonth, monthJustEnded, monthlyDigest } from '../reports/monthly-digest.ts';
import { renderEmail } from '../mail/render-email.ts';
import { dropAlertEmail, npsDrops } from '../reports/nps-drop-alerts.ts';
import type { SendEmailInput } from './send-email.ts';

/*
 * What the report schedules send: the monthly digest and the NPS drop alerts, composed here and
 * sent by the sendEmail activity. Each email's idempotency key names its person (or scope) and
 * month, so a schedule that fires twice, or an activity retried, sends it once.
 */

export interface ReportEmailSettings {
  timeZone: string;
  counting: 'every_response' | 'latest_per_user';
  minimumResponses: number;
}

export interface DigestPlan {
  /** The month the digest covers, as its start; null when `at` is not the first working day of a month. */
  monthStart: string | null;
  monthKey: string | null;
  /** Every CSM: managers get their team's digest, the others their own. */
  recipients: number[];
}

export async function digestPlan(db: Kysely<Database>, settings: ReportEmailSettings, { at, anyDay }: { at: string; anyDay: boolean }): Promise<DigestPlan> {
  const instant = new Date(at);
  if (!anyDay && !isFirstWorkingDayOfMonth(instant, settings.timeZone)) return { monthStart: null, monthKey: null, recipients: [] };
  const month = monthJustEnded(instant, settings.timeZone);
  const csms = await db.selectFrom('csms').select('id').orderBy('id').execute();
  return { monthStart: month.start.toISOString(), monthKey: month.key, recipients: csms.map((csm) => csm.id) };
}

/** The recipient's digest as an email, or null when it would be empty. */
export async function composeMonthlyDigest(
  db: Kysely<Database>,
  settings: ReportEmailSettings,
  { csmId, monthStart, at }: { csmId: number; monthStart: string; at: string },
): Promise<SendEmailInput | null> {
  const month = periodContaining(new Date(monthStart), 'month', settings.timeZone);
  const digest = await monthlyDigest(db, csmId, month, { ...settings, now: new Date(at) });
  if (!digest) return null;
  const { subject, text } = digestEmail(digest, settings);
  return { idempotencyKey: `monthly-digest:${month.key}:csm-${csmId}`, to: digest.recipient.email, subject, ...renderEmail({ message: text }) };
}

/** The alerts due at `at`: one email per scope whose NPS this month dropped significantly. */
export async function composeNpsDropAlerts(db: Kysely<Database>, settings: ReportEmailSettings, { at }: { at: string }): Promise<SendEmailInput[]> {
  const drops = await npsDrops(db, { ...settings, now: new Date(at) });
  return drops.map((drop) => {
    const { subject, text } = dropAlertEmail(drop, settings.timeZone);
    return { idempotencyKey: `nps-drop-alert:${drop.month.key}:${drop.scope}-${drop.owner.id}`, to: drop.owner.email, subject, ...renderEmail({ message: text }) };
  });
}
