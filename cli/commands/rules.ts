import type { Command } from 'commander';
import { applyRuleChange, type AppliedRuleChange } from '../../derived-state/refresh-after-rule-change.ts';
import { createRule, getRule, listRules, RuleNotFoundError, ruleHistory, setRuleEnabled, updateRule } from '../../db/queries/rules.ts';
import { openAppContext } from '../app-context.ts';
import { formatMinute, formatTable } from '../format-output.ts';
import { validatedRules } from '../rule-files.ts';
import { UsageError } from '../usage-error.ts';
import { registerRuleDryRunCommands } from './rules-dry-run.ts';

export function registerRulesCommand(program: Command): void {
  const rules = program.command('rules').description('author rules: lists, health criteria and journey triggers (JSON, json-rules-engine format)');

  rules
    .command('validate')
    .description('check a rule file (one rule or an array) without saving it; mistakes are shown with their JSON path')
    .argument('<file>', 'JSON rule file')
    .action((file: string) => {
      const { valid, rules: checked } = validatedRules(file);
      if (!valid) {
        process.exitCode = 1;
        return;
      }
      console.log(`${checked.length} rule${checked.length === 1 ? '' : 's'} valid: ${checked.map((r) => `${r.kind} ${r.name}`).join(', ')}`);
    });

  rules
    .command('apply')
    .description('validate and save the rules of a file: new ones are created, changed ones get a new version')
    .argument('<file>', 'JSON rule file')
    .option('--actor <name>', 'who is making the change (kept in the history)', process.env.USER ?? 'admin')
    .option('--note <text>', 'why (kept in the history)')
    .action(async (file: string, options: { actor: string; note?: string }) => {
      const { valid, rules: checked } = validatedRules(file);
      if (!valid) {
        process.exitCode = 1;
        return;
      }
      const context = await openAppContext();
      try {
        for (const rule of checked) {
          const change = { actor: options.actor, ...(options.note ? { note: options.note } : {}) };
          // Created, or a new version; the list or colours it derives follow in the same transaction.
          const applied = await applyRuleChange(context.db.kysely, context.npsSettings(), rule.name, async (trx) => {
            try {
              return await updateRule(trx, rule.name, rule, change);
            } catch (error) {
              if (!(error instanceof RuleNotFoundError)) throw error;
              return createRule(trx, rule, change);
            }
          });
          const version = applied.rule.version;
          const outcome = !applied.changed ? `unchanged (version ${version})` : version === 1 ? `created (version ${version})` : `version ${version}`;
          console.log(`${rule.name}: ${outcome}${refreshSummary(applied)}`);
        }
      } finally {
        await context.db.close();
      }
    });

  rules
    .command('list')
    .description('the saved rules')
    .option('--kind <kind>', 'list | health | trigger')
    .action(async (options: { kind?: string }) => {
      if (options.kind && !['list', 'health', 'trigger'].includes(options.kind)) throw new UsageError(`--kind: expected list, health or trigger`);
      const context = await openAppContext();
      try {
        const saved = await listRules(context.db.kysely, options.kind ? { kind: options.kind as 'list' | 'health' | 'trigger', limit: 1_000 } : { limit: 1_000 });
        console.log(formatTable(saved.map((r) => ({
          name: r.name, kind: r.kind, enabled: r.enabled ? 'yes' : 'no', version: String(r.version),
          'changed by': r.updated_by, changed: formatMinute(r.updated_at),
        }))));
      } finally {
        await context.db.close();
      }
    });

  rules
    .command('show')
    .description("a rule's definition and its history: who changed what, and when")
    .argument('<name>')
    .action(async (name: string) => {
      const context = await openAppContext();
      try {
        const rule = await getRule(context.db.kysely, name);
        console.log(JSON.stringify(rule.definition, null, 2));
        const history = await ruleHistory(context.db.kysely, name);
        console.log(formatTable(history.map((v) => ({
          version: String(v.version), change: v.change, by: v.changed_by,
          at: formatMinute(v.changed_at), note: v.note ?? '',
        }))));
      } finally {
        await context.db.close();
      }
    });

  for (const [command, enabled] of [['enable', true], ['disable', false]] as const) {
    rules
      .command(command)
      .description(`${command} a rule (its history is kept)`)
      .argument('<name>')
      .option('--actor <name>', 'who is making the change', process.env.USER ?? 'admin')
      .action(async (name: string, options: { actor: string }) => {
        const context = await openAppContext();
        try {
          const applied = await applyRuleChange(context.db.kysely, context.npsSettings(), name, (trx) => setRuleEnabled(trx, name, enabled, { actor: options.actor }));
          console.log(`${applied.rule.name}: ${applied.rule.enabled ? 'enabled' : 'disabled'} (version ${applied.rule.version})${refreshSummary(applied)}`);
        } finally {
          await context.db.close();
        }
      });
  }

  registerRuleDryRunCommands(rules);
}

/** What a change refreshed, after the version: "; list: 3 members (1 entered, 0 exited)". */
function refreshSummary({ refreshed }: AppliedRuleChange): string {
  const lists = refreshed.lists.map((list) => `; list: ${list.total} members (${list.entered} entered, ${list.exited} exited)`);
  const health = refreshed.healthChanges > 0 ? [`; health: ${refreshed.healthChanges} colour change${refreshed.healthChanges === 1 ? '' : 's'}`] : [];
  return [...lists, ...health].join('');
}
