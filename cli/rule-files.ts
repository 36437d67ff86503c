import fs from 'node:fs';
import { validateRule } from '../rules/validate-rule.ts';
import { UsageError } from './usage-error.ts';

/** Reads a rule file: one rule object or an array of them. */
export function readRuleFile(file: string): unknown[] {
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** Every rule in the file, validated; prints each mistake with its JSON path. */
export function validatedRules(file: string) {
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
