import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aLeaf, aListRule } from '../fixtures/rules.ts';
import { cliRunner } from '../helpers/run-cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-cli-validate-'));
const npsloop = cliRunner(dataDir);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const target = path.join(dataDir, name);
  fs.writeFileSync(target, content);
  return target;
}

describe('npsloop rules validate', () => {
  it('reports a JSON syntax error at its line and column, as a mistake in the document (exit code 1)', async () => {
    const broken = file('my-rules.json', '{\n  "kind": "list",\n  "name": "unhappy" "conditions": { "all": [] }\n}\n');
    for (const command of ['validate', 'apply', 'test']) {
      const result = await npsloop('rules', command, broken);
      expect(result, command).toMatchObject({ code: 1, stderr: `${broken}:3:21: expected ',' or '}' after property value\n` });
    }
  }, 120_000);

  it('suggests the fact or operator a typo was meant to be, at its JSON path', async () => {
    const typo = file('typo.json', JSON.stringify(aListRule({ conditions: { all: [aLeaf({ fact: 'latestScor', operator: 'lessThan', value: 7 }), aLeaf({ fact: 'role', operator: 'equals', value: 'admin' })] } })));
    const result = await npsloop('rules', 'validate', typo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${typo}: $.conditions.all[0].fact: "latestScor" is not a fact of users (list rules); did you mean "latestScore"?`);
    expect(result.stderr).toContain(`${typo}: $.conditions.all[1].operator: "equals" does not apply to role (a string); did you mean "equal"?`);
  }, 60_000);
});
