import { renderEmail } from '../mail/render-email.ts';
import { timeInWords } from '../mail/time-in-words.ts';
import { SIGN_IN_LINK_MINUTES } from './sign-in-links.ts';

/** The email a person gets when they ask for a sign-in link: what it is, how long it works, and what to do if they did not ask. */
export function signInEmail(link: { url: string; expiresAt: Date }, zone: string): { subject: string; text: string; html: string } {
  const { text, html } = renderEmail({
    message: [
      'Here is the link you asked for to sign in to npsloop:',
      link.url,
      `It works once, until ${timeInWords(link.expiresAt, zone)} (${SIGN_IN_LINK_MINUTES} minutes after you asked). Once it is used or expired, ask for a new one on the sign-in page.`,
    ].join('\n\n'),
    links: [{ url: link.url, label: 'Sign in to npsloop' }],
    footer: ['If you did not ask to sign in, ignore this email: nobody can sign in without this link, and nothing changes.'],
  });
  return { subject: 'Your npsloop sign-in link', text, html };
}
