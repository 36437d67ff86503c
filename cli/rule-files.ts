import { validateRule } from '../rules/validate-rule.ts';
import type { RuleDefinition } from '../rules/rule-schema.ts';
import { JsonSyntaxError, readJsonFile } from './read-json-file.ts';

/**
 * Every rule in the file (one rule object or an array of them), validated; prints each mistake
 * with its JSON path, or a syntax error with its line and column. Either is a mistake in the
 * document (exit code 1), not in the command.
 */
export function validatedRules(file: string): { valid: boolean; rules: RuleDefinition[] } {
  let parsed: unknown;
  try {
    parsed = readJsonFile(file);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    console.error(error.message);
    return { valid: false, rules: [] };
  }
  const inputs = Array.isArray(parsed) ? parsed : [parsed];
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
