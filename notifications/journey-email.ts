import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NewSignInLink } from '../db/tables/sign-in-links.ts';
import { type EmailTemplate, renderTemplate } from '../journeys/journey-definition.ts';
import type { JourneyEmailAbout } from '../journeys/journey-emails.ts';
import type { OutgoingEmail } from '../mail/compose-message.ts';
import { type EmailContent, renderEmail } from '../mail/render-email.ts';
import { timeInWords } from '../mail/time-in-words.ts';
import { type CustomerEmailSettings, customerEmail } from './customer-email.ts';
import { type TaskEmailSettings, taskEmail } from './task-email.ts';

/** One email a journey step asks for. */
export interface JourneyEmailRequest {
  /** From business ids (workflow id + step), so a retried activity never sends twice. */
  idempotencyKey: string;
  to: string;
  /** The template copied into the workflow at enrollment. */
  template: EmailTemplate;
  values: Record<string, string | number>;
  workflowId: string;
  /** Absent in runs started by earlier versions: their emails have the template alone. */
  about?: JourneyEmailAbout;
}

export interface JourneyEmailSettings extends TaskEmailSettings {
  customer: CustomerEmailSettings;
}

/** The email to send (both parts from the one template), or why none goes out. */
export type ComposedJourneyEmail = { email: OutgoingEmail & { workflowId: string; signInLink?: NewSignInLink } } | { notSent: string };

/** A review request's link: the button a customer sees instead of the bare URL. */
const REVIEW_LINK_LABEL = 'Share your experience';

export async function composeJourneyEmail(db: Kysely<Database>, request: JourneyEmailRequest, settings: JourneyEmailSettings): Promise<ComposedJourneyEmail> {
  const about = request.about;
  const task = about?.kind === 'task' ? await taskEmail(db, about, request.to, settings) : undefined;
  const customer = about?.kind === 'customer' ? await customerEmail(db, about.userId, request.to, settings.customer) : undefined;
  if (customer && 'unsubscribed' in customer) {
    return { notSent: `${request.to} unsubscribed on ${customer.unsubscribed.unsubscribed_at.toISOString()} (${customer.unsubscribed.method.replace('_', '-')})` };
  }

  const zone = task?.zone ?? settings.timeZone;
  const { subject, text } = renderTemplate(request.template, readableValues(request.values, zone));
  const reviewUrl = typeof request.values.reviewUrl === 'string' ? request.values.reviewUrl : undefined;
  const content: EmailContent = {
    ...task?.content,
    message: text,
    ...(reviewUrl ? { links: [{ url: reviewUrl, label: REVIEW_LINK_LABEL }] } : {}),
    ...(customer ? { footer: customer.footer } : {}),
  };
  const { text: textPart, html } = renderEmail(content);
  return {
    email: {
      idempotencyKey: request.idempotencyKey,
      to: request.to,
      subject,
      text: textPart,
      html,
      workflowId: request.workflowId,
      ...(task ? { signInLink: task.signInLink } : {}),
      ...(customer?.from ? { from: customer.from } : {}),
      ...(customer?.replyTo ? { replyTo: customer.replyTo } : {}),
      ...(customer ? { headers: customer.headers } : {}),
    },
  };
}

/** Template values as the reader reads them: a due time in their zone and in words, not ISO in UTC. */
export function readableValues(values: Record<string, string | number>, zone: string): Record<string, string | number> {
  const dueAt = values.dueAt;
  if (typeof dueAt !== 'string' || Number.isNaN(Date.parse(dueAt))) return values;
  return { ...values, dueAt: timeInWords(new Date(dueAt), zone) };
}
