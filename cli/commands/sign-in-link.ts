import type { Command } from 'commander';
import { SIGN_IN_LINK_MINUTES } from '../../sign-in/sign-in-links.ts';
import { printedSignInLink } from '../admin-sign-in-link.ts';
import { openAppContext } from '../app-context.ts';
import { formatMinute } from '../format-output.ts';

export function registerSignInLinkCommand(program: Command): void {
  program
    .command('sign-in-link')
    .description(`print a one-time link that signs in to the web app (valid ${SIGN_IN_LINK_MINUTES} minutes): for the first admin (NPSLOOP_ADMIN_EMAILS) unless --email names another admin or a CSM`)
    .option('--email <email>', "who signs in: an admin's email or a CSM's")
    .option('--next <path>', 'the page it opens, under /app/', '/app/')
    .action(async (options: { email?: string; next: string }) => {
      const context = await openAppContext();
      try {
        const link = await printedSignInLink(context.db.kysely, context.config, context.config.publicUrl, options);
        console.error(`signs in ${link.email} (${link.role}) once, until ${formatMinute(link.expiresAt)} UTC:`);
        console.log(link.url);
      } finally {
        await context.db.close();
      }
    });
}
