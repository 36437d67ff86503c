import type { Command } from 'commander';
import { explainListMembership } from '../../lists/explain-list-membership.ts';
import { refreshLists } from '../../lists/refresh-lists.ts';
import { listMembersView } from '../../api/schemas/lists.ts';
import { findListRule, listMembersPage } from '../../db/queries/list-members.ts';
import { ruleDisabledAt } from '../../db/queries/rules.ts';
import { userIdByEmail } from '../../db/queries/users.ts';
import { openAppContext } from '../app-context.ts';
import { formatExplanation } from '../format-explanation.ts';
import { formatCsv, formatMinute, formatTable } from '../format-output.ts';
import { UsageError } from '../usage-error.ts';

export function registerListsCommand(program: Command): void {
  const lists = program.command('lists').description('rule-built lists of users');

  lists
    .command('refresh')
    .description('recompute the members of every enabled list (or one), recording entries and exits')
    .argument('[name]')
    .action(async (name: string | undefined) => {
      const context = await openAppContext();
      try {
        const summaries = await refreshLists(context.db.kysely, context.npsSettings(), name ? { names: [name] } : {});
        if (name && summaries.length === 0) throw new Error(`no enabled list named ${name}`);
        console.log(formatTable(summaries.map((s) => ({ list: s.list, members: String(s.total), entered: String(s.entered), exited: String(s.exited) }))));
      } finally {
        await context.db.close();
      }
    });

  lists
    .command('show')
    .description("a list's members as of its last refresh, by email; a disabled list says since when it is not refreshed")
    .argument('<name>')
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many first', '0')
    .option('--json', 'print JSON (the shape of GET /lists/:name/members, with the list and whether it is enabled)')
    .option('--csv', 'print CSV')
    .action(async (name: string, options: { limit: string; offset: string; json?: boolean; csv?: boolean }) => {
      const limit = Number(options.limit);
      if (!/^\d+$/.test(options.limit) || limit <= 0 || limit > 10_000) throw new UsageError('--limit: expected a whole number from 1 to 10000');
      const offset = Number(options.offset);
      if (!/^\d+$/.test(options.offset)) throw new UsageError('--offset: expected a whole number from 0');
      if (options.json && options.csv) throw new UsageError('--json and --csv: choose one');
      const context = await openAppContext();
      try {
        const rule = await findListRule(context.db.kysely, name);
        if (!rule) throw new Error(`no list named ${name}`);
        const page = await listMembersPage(context.db.kysely, rule.id, { limit, offset });
        if (options.json) {
          console.log(JSON.stringify(listMembersView(rule, page.members, undefined, { offset, limit, total: page.total }), null, 2));
          return;
        }
        const members = page.members.map((m) => ({ email: m.email, name: m.name, role: m.role, account: m.accountName, since: m.since.toISOString() }));
        if (options.csv) process.stdout.write(formatCsv(members));
        else {
          // A disabled list keeps its last members, no longer refreshed: it must not pass for a live one.
          if (!rule.enabled) {
            const disabledAt = await ruleDisabledAt(context.db.kysely, rule.id);
            const asOf = disabledAt ? `${formatMinute(disabledAt)} UTC, when it was disabled` : 'its last refresh';
            console.log(`(disabled: members are as of ${asOf}, and no longer refreshed; \`npsloop rules enable ${rule.name}\` refreshes it)`);
          }
          console.log(formatTable(members.map((m) => ({ email: m.email, name: m.name ?? '', role: m.role ?? '', account: m.account, since: formatMinute(m.since) }))));
          if (offset + members.length < page.total) console.log(`${members.length} of ${page.total} members from ${offset + 1}: --offset ${offset + members.length} for more`);
        }
      } finally {
        await context.db.close();
      }
    });

  lists
    .command('explain')
    .description('why a user is or is not in a list: each condition with the value it was given')
    .argument('<name>')
    .argument('<email>')
    .option('--json', 'print JSON')
    .action(async (name: string, email: string, options: { json?: boolean }) => {
      const context = await openAppContext();
      try {
        const userId = await userIdByEmail(context.db.kysely, email);
        if (userId === null) throw new Error(`no user with email ${email}`);
        const result = await explainListMembership(context.db.kysely, name, userId, context.npsSettings());
        if (options.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        console.log(`${email} ${result.matches ? 'matches' : 'does not match'} ${name}${result.member === result.matches ? '' : ' (the stored list is behind: run npsloop lists refresh)'}`);
        console.log(formatExplanation(result.explanation));
      } finally {
        await context.db.close();
      }
    });
}
