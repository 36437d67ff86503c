import type { Command } from 'commander';
import { createApiToken, listApiTokens, revokeApiToken } from '../../db/queries/api-tokens.ts';
import { csmsByIdOrEmail } from '../../db/queries/csms.ts';
import { API_ROLES, type ApiRole } from '../../db/tables/api-tokens.ts';
import { openAppContext } from '../app-context.ts';
import { formatMinute, printRows } from '../format-output.ts';
import { UsageError } from '../usage-error.ts';

export function registerTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('API tokens: admin (everything), csm (their own tasks and accounts), ingest (webhooks and sync)');

  tokens
    .command('create')
    .description('create a token and print it: it is shown once, only its hash is stored')
    .requiredOption('--name <name>', 'what the token is for, e.g. "Delighted webhook"')
    .requiredOption('--role <role>', API_ROLES.join(' | '))
    .option('--csm <id or email>', 'for a csm token: the CSM it acts for')
    .action(async (options: { name: string; role: string; csm?: string }) => {
      if (!(API_ROLES as readonly string[]).includes(options.role)) throw new UsageError(`--role: expected ${API_ROLES.join(', ')}, got ${options.role}`);
      const role = options.role as ApiRole;
      if (role === 'csm' && !options.csm) throw new UsageError('--csm: a csm token needs the id or email of the CSM it acts for');
      if (role !== 'csm' && options.csm) throw new UsageError(`--csm: only csm tokens act for a CSM, not ${role} tokens`);
      const context = await openAppContext();
      try {
        let csmId: number | null = null;
        if (options.csm) {
          const matches = await csmsByIdOrEmail(context.db.kysely, options.csm);
          if (matches.length === 0) throw new UsageError(`--csm: no CSM with the id or email ${options.csm}`);
          if (matches.length > 1) throw new UsageError(`--csm: ${matches.length} CSMs have the email ${options.csm} (ids ${matches.map((csm) => csm.id).join(', ')}); give the id`);
          csmId = matches[0]!.id;
        }
        const { id, token } = await createApiToken(context.db.kysely, { name: options.name, role, csmId });
        console.error(`created token ${id} (${role}); it is shown once, store it now:`);
        console.log(token);
      } finally {
        await context.db.close();
      }
    });

  tokens
    .command('list')
    .description('every token, without the secret: its prefix, role, CSM, last use, revocation')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const context = await openAppContext();
      try {
        const rows = await listApiTokens(context.db.kysely);
        printRows(rows, options, (r) => ({
          id: String(r.id),
          name: r.name,
          role: r.role,
          csm: r.csmEmail ?? '',
          prefix: `${r.tokenPrefix}…`,
          created: formatMinute(r.createdAt),
          'last used': formatMinute(r.lastUsedAt),
          revoked: formatMinute(r.revokedAt),
        }));
      } finally {
        await context.db.close();
      }
    });

  tokens
    .command('revoke')
    .description('revoke a token: requests with it are refused from now on')
    .argument('<id>', 'the token id (npsloop tokens list)')
    .action(async (idText: string) => {
      const id = Number(idText);
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`<id>: expected a token id, got ${idText}`);
      const context = await openAppContext();
      try {
        if (!(await revokeApiToken(context.db.kysely, id))) {
          console.error(`npsloop: no active token ${id}`);
          process.exitCode = 1;
          return;
        }
        console.log(`revoked token ${id}`);
      } finally {
        await context.db.close();
      }
    });
}
