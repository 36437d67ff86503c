import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { findAccount } from '../db/queries/accounts.ts';
import { unsubscribeOf } from '../db/queries/email-unsubscribes.ts';
import { findUser } from '../db/queries/users.ts';
import type { EmailUnsubscribe } from '../db/tables/email-unsubscribes.ts';
import type { ReviewLinkSettings } from '../journeys/review-links.ts';
import { unsubscribeUrl } from '../journeys/unsubscribe-links.ts';

export interface CustomerEmailSettings {
  /** Where the unsubscribe link points, and its signing secret (the review links'). */
  links: ReviewLinkSettings;
  /** The sender customers see (NPSLOOP_CUSTOMER_MAIL_FROM); unset, the instance's. */
  from: string | undefined;
}

export type CustomerEmail =
  | { unsubscribed: EmailUnsubscribe }
  | { from?: string; replyTo?: string; headers: Record<string, string>; footer: string[] };

/**
 * What an email to a customer carries besides its message: the customer sender, a reply that
 * reaches their CSM, and a way out (List-Unsubscribe, one click, RFC 8058, and a footer link).
 * An address that unsubscribed gets nothing: said by `unsubscribed`.
 */
export async function customerEmail(db: Kysely<Database>, userId: number, to: string, settings: CustomerEmailSettings): Promise<CustomerEmail> {
  const unsubscribed = await unsubscribeOf(db, to);
  if (unsubscribed) return { unsubscribed };
  const user = await findUser(db, { id: userId });
  const csm = user ? (await findAccount(db, user.account.id))?.csm : undefined;
  const link = unsubscribeUrl(settings.links, to);
  return {
    ...(settings.from ? { from: settings.from } : {}),
    ...(csm ? { replyTo: csm.name ? `"${csm.name.replaceAll('"', '')}" <${csm.email}>` : csm.email } : {}),
    headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    footer: ['You receive this because you answered one of our surveys.', `Unsubscribe: ${link}`],
  };
}
