import { type EmailTemplate, renderTemplate } from '../journeys/journey-definition.ts';
import { type SendEmailDependencies, type SendEmailResult, sendEmail } from './send-email.ts';

export interface SendJourneyEmailInput {
  /** From business ids (workflow id + step), so a retried activity never sends twice. */
  idempotencyKey: string;
  to: string;
  /** The template copied into the workflow at enrollment. */
  template: EmailTemplate;
  values: Record<string, string | number>;
  workflowId: string;
}

/** Fills a journey's email template and sends it once. */
export async function sendJourneyEmail(deps: SendEmailDependencies, input: SendJourneyEmailInput): Promise<SendEmailResult> {
  const { subject, text } = renderTemplate(input.template, input.values);
  return sendEmail(deps, { idempotencyKey: input.idempotencyKey, to: input.to, subject, text, workflowId: input.workflowId });
}
