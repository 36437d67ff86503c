import { isCancellation, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { emailActivities, emailFirstAttempt } from './activity-options.ts';

const { sendJourneyEmail } = proxyActivities<Activities>(emailActivities);
const { sendJourneyEmail: sendJourneyEmailHere } = proxyLocalActivities<Activities>(emailFirstAttempt);

/**
 * Marks runs that make a journey email's first attempt a local activity; runs recorded before it
 * replay the email as an activity from its first attempt. Each workflow asks once, before its
 * first email, and keeps the answer for the run.
 */
export const EMAIL_FIRST_ATTEMPT_HERE_PATCH = 'journey-email-first-attempt-as-local-activity';

export type JourneyEmail = Parameters<Activities['sendJourneyEmail']>[0];
type JourneyEmailResult = Awaited<ReturnType<Activities['sendJourneyEmail']>>;

/**
 * Sends a journey's email. With `firstAttemptHere`, the first attempt runs in this workflow task
 * (`emailFirstAttempt`), and the activity with its retries takes over whenever that attempt did
 * not end the step: the SMTP server down, slow or refusing the address, the database away. The
 * activity's outcome is then the step's, so callers see the failures they always did (an address
 * that can never receive mail fails the activity at once, from the row the first attempt wrote).
 */
export async function sendJourneyEmailStep(email: JourneyEmail, { firstAttemptHere }: { firstAttemptHere: boolean }): Promise<JourneyEmailResult> {
  if (firstAttemptHere) {
    try {
      return await sendJourneyEmailHere(email);
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.info('journey email: its first attempt did not send it; the activity takes over', {
        idempotencyKey: email.idempotencyKey,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return sendJourneyEmail(email);
}
