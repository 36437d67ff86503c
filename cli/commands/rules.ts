import fs from 'node:fs';
import type { Command } from 'commander';
import { createRule, getRule, listRules, RuleNotFoundError, ruleHistory, setRuleEnabled, updateRule } from '../../db/queries/rules.ts';
import { validateRule } from '../../rules/validate-rule.ts';
import { openAppContext } from '../app-context.ts';
import { formatTable } from '../format-output.ts';
import { UsageError } from '../usage-error.ts';

/** Reads a rule file: one rule object or an array of them. */
function readRuleFile(file: string): unknown[] {
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** Every rule in the file, validated; prints each mistake with its JSON path. */
function validatedRules(file: string) {
  const inputs = readRuleFile(file);
  const results = inputs.map((input) => validateRule(input));
  let valid = true;
  results.forEach((result, i) => {
    if (result.ok) return;
    valid = false;
    const where = inputs.length > 1 ? `${file} rule [${i}]` : file;
    for (const error of result.errors) console.error(`${where}: ${error.path}: ${error.message}`);
  });
  return { valid, rules: results.flatMap((r) => (r.ok ? [r.rule] : [])) };
}

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
          let saved;
          try {
            const existing = await getRule(context.db.kysely, rule.name);
            saved = await updateRule(context.db.kysely, rule.name, rule, change);
            console.log(saved.version === existing.version ? `${rule.name}: unchanged (version ${saved.version})` : `${rule.name}: version ${saved.version}`);
          } catch (error) {
            if (!(error instanceof RuleNotFoundError)) throw error;
            saved = await createRule(context.db.kysely, rule, change);
            console.log(`${rule.name}: created (version ${saved.version})`);
          }
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
          'changed by': r.updated_by, changed: r.updated_at.toISOString().slice(0, 16).replace('T', ' '),
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
          at: v.changed_at.toISOString().slice(0, 16).replace('T', ' '), note: v.note ?? '',
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
          const rule = await setRuleEnabled(context.db.kysely, name, enabled, { actor: options.actor });
          console.log(`${rule.name}: ${rule.enabled ? 'enabled' : 'disabled'} (version ${rule.version})`);
        } finally {
          await context.db.close();
        }
      });
  }
}
