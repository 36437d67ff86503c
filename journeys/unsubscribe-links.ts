import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReviewLinkSettings } from './review-links.ts';

/*
 * Customer emails carry `/u/<address>.<signature>`: in List-Unsubscribe (a mail client's one-click
 * POST, RFC 8058) and in the footer (a page that asks before it acts, since link scanners follow
 * links). The HMAC keeps anyone from unsubscribing an address they were not sent.
 */

function signature(email: string, secret: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${email}`).digest('base64url').slice(0, 22);
}

export function unsubscribeUrl(settings: ReviewLinkSettings, email: string): string {
  const address = email.trim().toLowerCase();
  return new URL(`/u/${Buffer.from(address).toString('base64url')}.${signature(address, settings.secret)}`, settings.publicBaseUrl).toString();
}

/** The address a token stands for, or null when the token is malformed or forged. */
export function emailOfUnsubscribeToken(settings: ReviewLinkSettings, token: string): string | null {
  const match = /^([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return null;
  const email = Buffer.from(match[1]!, 'base64url').toString('utf8');
  const expected = Buffer.from(signature(email, settings.secret));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? email : null;
}
