import type { Command } from 'commander';
import { explainListMembership } from '../../activities/explain-list-membership.ts';
import { refreshLists } from '../../activities/refresh-lists.ts';
import { getRule } from '../../db/queries/rules.ts';
import { userIdByEmail } from '../../db/queries/user-timeline.ts';
import type { ConditionExplanation } from '../../rules/evaluate-rule.ts';
import { openAppContext } from '../app-context.ts';
import { formatTable } from '../format-output.ts';
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
    .description("a list's members as of its last refresh")
    .argument('<name>')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit <= 0 || limit > 10_000) throw new UsageError('--limit: expected a whole number from 1 to 10000');
      const context = await openAppContext();
      try {
        const rule = await getRule(context.db.kysely, name);
        const members = await context.db.kysely
          .selectFrom('list_members as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .innerJoin('accounts as a', 'a.id', 'u.account_id')
          .select(['u.email', 'u.name', 'u.role', 'a.name as account', 'm.since'])
          .where('m.rule_id', '=', rule.id)
          .orderBy('u.email')
          .limit(limit)
          .execute();
        if (options.json) console.log(JSON.stringify(members, null, 2));
        else console.log(formatTable(members.map((m) => ({ email: m.email, name: m.name ?? '', role: m.role ?? '', account: m.account, since: m.since.toISOString().slice(0, 16).replace('T', ' ') }))));
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
        console.log(describe(result.explanation, '  '));
      } finally {
        await context.db.close();
      }
    });
}

function describe(node: ConditionExplanation, indent: string): string {
  const mark = (held: boolean | undefined) => (held === undefined ? '·' : held ? '✓' : '✗');
  if (node.kind === 'leaf') {
    const params = node.params ? `(${Object.entries(node.params).map(([k, v]) => `${k}=${String(v)}`).join(',')})` : '';
    const value = node.evaluated ? ` — was ${JSON.stringify(node.factValue ?? null)}` : ' — not evaluated';
    return `${indent}${mark(node.evaluated ? node.result : undefined)} ${node.fact}${params}${node.path ? ` ${node.path}` : ''} ${node.operator} ${JSON.stringify(node.value)}${value}`;
  }
  const held = node.evaluated ? node.result : undefined;
  if (node.kind === 'not') return `${indent}${mark(held)} not\n${describe(node.condition, `${indent}  `)}`;
  return [`${indent}${mark(held)} ${node.kind}`, ...node.conditions.map((c) => describe(c, `${indent}  `))].join('\n');
}
