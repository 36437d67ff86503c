import fs from 'node:fs';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import {
  dryRunRule,
  explainAccountsHealth,
  type HealthDryRun,
  type ListDryRun,
  MAX_DRY_RUN_LIMIT,
  MAX_EXPLAINED,
  type RuleDryRun,
  type TriggerDryRun,
  type TriggerEventSource,
} from '../../rule-sql/dry-run-rule.ts';
import { explainListMembership } from '../../lists/explain-list-membership.ts';
import type { Database } from '../../db/database.ts';
import { getRule } from '../../db/queries/rules.ts';
import { userIdByEmail } from '../../db/queries/users.ts';
import type { RuleDefinition } from '../../rules/rule-schema.ts';
import { openAppContext } from '../app-context.ts';
import { formatExplanation } from '../format-explanation.ts';
import { accountIdOf } from '../account-reference.ts';
import { formatMinute, formatTable } from '../format-output.ts';
import { validatedRules } from '../rule-files.ts';
import { UsageError } from '../usage-error.ts';

interface EventOptions {
  user?: string;
  response?: string;
}

/** `rules test` and `rules explain`: a rule run now, saving nothing, and why it selects whom it does. */
export function registerRuleDryRunCommands(rules: Command): void {
  rules
    .command('test')
    .description('try a rule file or a saved rule now, saving nothing: who it would select, and why')
    .argument('<file|name>', 'a JSON rule file (one rule or an array), or the name of a saved rule (enabled or not)')
    .option('--limit <n>', `users or accounts to show, 1 to ${MAX_DRY_RUN_LIMIT} (the first ${MAX_EXPLAINED} are explained)`, '20')
    .option('--after <id>', 'show the page after this user or account id (printed at the end of a page)')
    .option('--user <email>', "trigger rules: evaluate this user's latest response")
    .option('--response <id>', 'trigger rules: evaluate this response')
    .option('--json', 'print JSON')
    .action(async (target: string, options: EventOptions & { limit: string; after?: string; json?: boolean }) => {
      const limit = wholeNumber('--limit', options.limit, 1, MAX_DRY_RUN_LIMIT);
      const afterId = options.after === undefined ? undefined : wholeNumber('--after', options.after, 0, 2_147_483_647);
      checkEventOptions(options);
      const fromFile = fs.existsSync(target) && fs.statSync(target).isFile();
      if (!fromFile && /[/\\]|\.json$/i.test(target)) throw new UsageError(`no such file: ${target}`);
      let definitions: RuleDefinition[] | undefined;
      if (fromFile) {
        const { valid, rules: checked } = validatedRules(target);
        if (!valid) {
          process.exitCode = 1;
          return;
        }
        definitions = checked;
      }
      const context = await openAppContext();
      try {
        const db = context.db.kysely;
        const tested = definitions ?? [(await getRule(db, target)).definition];
        const event = await eventSource(db, options);
        if (event && !tested.some((rule) => rule.kind === 'trigger')) {
          throw new UsageError('--user and --response choose the response a trigger rule is tried on; there is no trigger rule here');
        }
        const runs: RuleDryRun[] = [];
        for (const rule of tested) {
          if (rule.kind === 'trigger' && !event) {
            throw new UsageError(`${rule.name} is a trigger rule: give --user <email> (their latest response) or --response <id>`);
          }
          const settings = context.npsSettings();
          runs.push(await dryRunRule(db, rule, settings, { limit, ...(afterId !== undefined ? { afterId } : {}), ...(event ? { event } : {}) }));
        }
        if (options.json) console.log(JSON.stringify(runs.length === 1 ? runs[0] : runs, null, 2));
        else console.log(runs.map(formatDryRun).join('\n\n'));
      } finally {
        await context.db.close();
      }
    });

  rules
    .command('explain')
    .description('why a user (list and trigger rules) or an account (health rules) does or does not match a saved rule now')
    .argument('<name>', 'a saved rule')
    .option('--user <email>', "list rules: the user; trigger rules: the user whose latest response is evaluated")
    .option('--account <id>', 'health rules: the account, by external id or exact name')
    .option('--response <id>', 'trigger rules: this response instead of a user\'s latest')
    .option('--json', 'print JSON')
    .action(async (name: string, options: EventOptions & { account?: string; json?: boolean }) => {
      checkEventOptions(options);
      const context = await openAppContext();
      try {
        const db = context.db.kysely;
        const settings = context.npsSettings();
        const rule = (await getRule(db, name)).definition;
        const asked = { user: options.user !== undefined, account: options.account !== undefined, response: options.response !== undefined };
        switch (rule.kind) {
          case 'list': {
            if (!asked.user || asked.account || asked.response) throw new UsageError(`${name} is a list rule, over users: give --user <email> (and no --account or --response)`);
            const userId = await existingUserId(db, options.user as string);
            const result = await explainListMembership(db, name, userId, settings);
            if (options.json) return console.log(JSON.stringify(result, null, 2));
            const behind = result.member === result.matches ? '' : ' (the stored list is behind: run npsloop lists refresh)';
            console.log(`${options.user} ${result.matches ? 'matches' : 'does not match'} ${name}${behind}`);
            return console.log(formatExplanation(result.explanation));
          }
          case 'health': {
            if (!asked.account || asked.user || asked.response) throw new UsageError(`${name} is a health rule, over accounts: give --account <external id or name>`);
            const accountId = await accountIdOf(db, options.account as string);
            const evaluation = (await explainAccountsHealth(db, rule, [accountId], settings)).get(accountId);
            if (!evaluation) throw new Error(`no account with id ${accountId}`);
            if (options.json) return console.log(JSON.stringify({ rule: name, dimension: rule.dimension, accountId, ...evaluation }, null, 2));
            if (evaluation.colour === null) return console.log(`${options.account} gets no ${rule.dimension} colour from ${name}: none of its ${rule.criteria.length} criteria holds`);
            console.log(`${options.account} is ${evaluation.colour} in ${rule.dimension} by ${name}, criterion ${(evaluation.criterionIndex ?? 0) + 1} of ${rule.criteria.length}`);
            return console.log(evaluation.reasons.map((reason) => `  ${reason}`).join('\n'));
          }
          case 'trigger': {
            if (asked.account) throw new UsageError(`${name} is a trigger rule, over responses: give --user <email> or --response <id>`);
            const event = await eventSource(db, options);
            if (!event) throw new UsageError(`${name} is a trigger rule: give --user <email> (their latest response) or --response <id>`);
            const run = await dryRunRule(db, rule, settings, { limit: 1, event });
            return console.log(options.json ? JSON.stringify(run, null, 2) : formatDryRun(run));
          }
        }
      } finally {
        await context.db.close();
      }
    });
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

function checkEventOptions(options: EventOptions): void {
  if (options.user !== undefined && options.response !== undefined) throw new UsageError('--user and --response: give one, not both');
  if (options.response !== undefined) wholeNumber('--response', options.response, 1, 2_147_483_647);
}

async function existingUserId(db: Kysely<Database>, email: string): Promise<number> {
  const userId = await userIdByEmail(db, email);
  if (userId === null) throw new Error(`no user with email ${email}`);
  return userId;
}

async function eventSource(db: Kysely<Database>, options: EventOptions): Promise<TriggerEventSource | undefined> {
  if (options.response !== undefined) return { responseId: Number(options.response) };
  if (options.user !== undefined) return { userId: await existingUserId(db, options.user) };
  return undefined;
}

function formatDryRun(run: RuleDryRun): string {
  switch (run.kind) {
    case 'list':
      return formatListRun(run);
    case 'health':
      return formatHealthRun(run);
    case 'trigger':
      return formatTriggerRun(run);
  }
}


function pageFooter(run: ListDryRun | HealthDryRun, shown: number, total: number): string[] {
  const lines = [`showing ${shown} of ${total}${run.explained < shown ? `; the first ${run.explained} explained` : ''}`];
  if (run.next !== null) lines.push(`more: --after ${run.next}`);
  return lines;
}

function formatListRun(run: ListDryRun): string {
  const heading = `list ${run.rule}: ${run.total} user${run.total === 1 ? '' : 's'} match${run.total === 1 ? 'es' : ''} now (${formatMinute(run.at)} UTC)`;
  if (run.users.length === 0) return heading;
  const table = formatTable(run.users.map((user) => ({ email: user.email, account: user.account.name, why: user.why?.reasons.join('; ') ?? '' })));
  return [heading, table, ...pageFooter(run, run.users.length, run.total)].join('\n');
}

function formatHealthRun(run: HealthDryRun): string {
  const { red, amber, green, none } = run.colours;
  const heading = `health ${run.rule} (${run.dimension}): ${run.total} account${run.total === 1 ? '' : 's'}: red ${red}, amber ${amber}, green ${green}, no colour ${none} (${formatMinute(run.at)} UTC)`;
  if (run.accounts.length === 0) return heading;
  const table = formatTable(run.accounts.map((account) => ({ account: account.name, 'external id': account.externalId, colour: account.colour ?? '-', why: account.reasons?.join('; ') ?? '' })));
  return [heading, table, ...pageFooter(run, run.accounts.length, run.total)].join('\n');
}

function formatTriggerRun(run: TriggerDryRun): string {
  const { event } = run;
  const heading = `trigger ${run.rule} ${run.matched ? 'matches' : 'does not match'} response ${event.responseId} (score ${event.score}, ${event.category}, ${formatMinute(event.respondedAt)} UTC) of user ${event.userId}`;
  return `${heading}\n${formatExplanation(run.why.explanation)}`;
}
