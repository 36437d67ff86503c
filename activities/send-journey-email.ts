import { type ComposedJourneyEmail, composeJourneyEmail, type JourneyEmailRequest, type JourneyEmailSettings } from '../notifications/journey-email.ts';
import { recordUnsentEmail, type SendEmailDependencies, type SendEmailResult, sendEmail } from './send-email.ts';

export type SendJourneyEmailInput = JourneyEmailRequest;

export type SendJourneyEmailResult = SendEmailResult | { status: 'not_sent'; messageId: null; reason: string };

/** Composes a journey's email (its template, and what its reader needs around it) and sends it once. */
export async function sendJourneyEmail(
  deps: SendEmailDependencies & { settings: JourneyEmailSettings },
  input: SendJourneyEmailInput,
): Promise<SendJourneyEmailResult> {
  const composed: ComposedJourneyEmail = await composeJourneyEmail(deps.db, input, deps.settings);
  if ('notSent' in composed) {
    await recordUnsentEmail(deps.db, { idempotencyKey: input.idempotencyKey, to: input.to, subject: input.template.subject, workflowId: input.workflowId }, composed.notSent);
    return { status: 'not_sent', messageId: null, reason: composed.notSent };
  }
  return sendEmail(deps, composed.email);
}
