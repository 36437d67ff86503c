import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { openDatabase } from '../../db/connect.ts';
import { createRule } from '../../db/queries/rules.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { aHealthRule, aLeaf, aListRule, aTriggerRule } from '../fixtures/rules.ts';
import { cliRunner } from '../helpers/run-cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-cli-rules-'));
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

const npsloop = cliRunner(dataDir);

function file(name: string, content: unknown): string {
  const target = path.join(dataDir, name);
  fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return target;
}

const unhappyAdmins = aListRule({
  name: 'unhappy-admins',
  conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 }), aLeaf({ fact: 'role', operator: 'equal', value: 'admin' })] },
});

/*
 * Seeded in this process, straight into the data folder the CLI then opens: Acme (ana 2, bo 10,
 * both admins) and Globex (cy 5, a critical ticket open). Saved: a list, a health and a trigger rule.
 */
beforeAll(async () => {
  const db = await openDatabase(loadConfig({ NPSLOOP_DATA_DIR: dataDir }).database);
  try {
    const k = db.kysely;
    await seedAccount(k, { accountName: 'Acme', users: ['ana@acme.example', 'bo@acme.example'] });
    const globex = await seedAccount(k, { accountName: 'Globex', users: ['cy@globex.example'] });
    await storeBatch(k, 'csv', [
      validItem({ email: 'ana@acme.example', score: 2, respondedAt: daysAgo(3), comment: 'slow' }),
      validItem({ email: 'bo@acme.example', score: 10, respondedAt: daysAgo(3) }),
      validItem({ email: 'cy@globex.example', score: 5, respondedAt: daysAgo(4) }),
    ], new Date());
    await k.insertInto('tickets').values({ external_id: 't-1', account_id: globex.accountId, priority: 'critical', status: 'open', opened_at: daysAgo(1) }).execute();
    await createRule(k, unhappyAdmins, { actor: 'test' });
    await createRule(k, aHealthRule({ name: 'service-health' }), { actor: 'test' });
    await createRule(k, aTriggerRule({ name: 'detractor' }), { actor: 'test' });
  } finally {
    await db.close();
  }
}, 120_000);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npsloop rules test and rules explain', () => {
  it('tries a rule file: who would match now, and why', async () => {
    const stricter = file('stricter.json', { ...unhappyAdmins, name: 'very-unhappy' });
    const json = await npsloop('rules', 'test', stricter, '--json');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ kind: 'list', rule: 'very-unhappy', total: 2, next: null, explained: 2 });
    expect(result.users.map((u: { email: string }) => u.email)).toEqual(['ana@acme.example', 'cy@globex.example']);
    expect(result.users[0].why.reasons).toEqual(['latestScore = 2 is lessThan 7', 'role = "admin" is equal "admin"']);

    const text = await npsloop('rules', 'test', stricter, '--limit', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('list very-unhappy: 2 users match now');
    expect(text.stdout).toMatch(/ana@acme\.example\s+Acme\s+latestScore = 2 is lessThan 7; role = "admin" is equal "admin"/);
    expect(text.stdout).toContain('showing 1 of 2');
    expect(text.stdout).toMatch(/more: --after \d+/);
    expect(text.stdout).not.toContain('cy@globex.example');

    // Saved, the list follows at once.
    const applied = await npsloop('rules', 'apply', stricter);
    expect(applied).toMatchObject({ code: 0, stdout: 'very-unhappy: created (version 1); list: 2 members (2 entered, 0 exited)\n' });
  }, 300_000);

  it('tries a saved health rule and explains one account', async () => {
    const health = await npsloop('rules', 'test', 'service-health');
    expect(health.code).toBe(0);
    expect(health.stdout).toContain('health service-health (service): 2 accounts: red 1, amber 0, green 1, no colour 0');
    expect(health.stdout).toMatch(/Globex\s+\S+\s+red\s+openCriticalTicketCount = 1 is greaterThan 0/);

    const explained = await npsloop('rules', 'explain', 'service-health', '--account', 'Globex');
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('Globex is red in service by service-health, criterion 1 of 2');
    expect(explained.stdout).toContain('openCriticalTicketCount = 1 is greaterThan 0');
  }, 240_000);

  it('explains why a user does or does not match a list, and tries a trigger on a user\'s latest response', async () => {
    const bo = await npsloop('rules', 'explain', 'unhappy-admins', '--user', 'bo@acme.example');
    expect(bo.code).toBe(0);
    // The list was never refreshed, so the stored membership agrees: bo is not in it.
    expect(bo.stdout).toContain('bo@acme.example does not match unhappy-admins\n  ✗ all\n    ✗ latestScore lessThan 7 — was 10');

    const trigger = await npsloop('rules', 'test', 'detractor', '--user', 'ana@acme.example', '--json');
    expect(trigger.code).toBe(0);
    expect(JSON.parse(trigger.stdout)).toMatchObject({ kind: 'trigger', matched: true, event: { score: 2, category: 'detractor' }, why: { reasons: ['category = "detractor" is equal "detractor"'] } });
  }, 240_000);

  it('says what is wrong: mistakes at their JSON path (1), usage errors (2), unknown rules (1)', async () => {
    const broken = file('broken.json', aListRule({ conditions: { all: [aLeaf({ fact: 'mood', operator: 'equal', value: 'sad' })] } }));
    const invalid = await npsloop('rules', 'test', broken);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`${broken}: $.conditions.all[0].fact: "mood" is not a fact of users`);

    const noEvent = await npsloop('rules', 'test', 'detractor');
    expect(noEvent.code).toBe(2);
    expect(noEvent.stderr).toContain('detractor is a trigger rule: give --user <email> (their latest response) or --response <id>');
    const wrongSubject = await npsloop('rules', 'explain', 'unhappy-admins', '--account', 'Acme');
    expect(wrongSubject.code).toBe(2);
    expect(wrongSubject.stderr).toContain('unhappy-admins is a list rule, over users: give --user <email>');
    expect(await npsloop('rules', 'test', 'missing.json')).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file: missing.json') });
    expect(await npsloop('rules', 'test', 'no-such-rule')).toMatchObject({ code: 1, stderr: expect.stringContaining('no rule named "no-such-rule"') });
    for (const command of ['test', 'explain']) {
      const help = await npsloop('rules', command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: npsloop rules ${command}`);
    }
    // Seven real processes, each opening the embedded database: give them time on a busy machine.
  }, 420_000);
});
