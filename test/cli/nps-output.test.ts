import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshLists } from '../../lists/refresh-lists.ts';
import { openDatabase } from '../../db/connect.ts';
import { createRule, setRuleEnabled } from '../../db/queries/rules.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { aLeaf, aListRule } from '../fixtures/rules.ts';
import { cliRunner } from '../helpers/run-cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-nps-output-'));
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

const npsloop = cliRunner(dataDir, { NPSLOOP_TIME_ZONE: 'UTC' });

let acmeCsmEmail = '';

/**
 * Acme: 10 and 2 in the last 30 days, 0 sixty days ago. Globex: 9 in the last 30 days.
 * Initech: no responses. The "unhappy" list holds Acme's bo (latest 2) and cy (latest 0); "fans",
 * disabled after its refresh, keeps ana (10) and gil (9).
 */
beforeAll(async () => {
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
  try {
    const k = db.kysely;
    const acme = await seedAccount(k, { accountName: 'Acme', segment: 'enterprise', users: ['ana@acme.example', 'bo@acme.example', 'cy@acme.example'] });
    acmeCsmEmail = acme.csm.email;
    await seedAccount(k, { accountName: 'Globex', users: ['gil@globex.example'] });
    await seedAccount(k, { accountName: 'Initech' });
    await storeBatch(k, 'csv', [
      validItem({ email: 'ana@acme.example', score: 10, respondedAt: daysAgo(3) }),
      validItem({ email: 'bo@acme.example', score: 2, respondedAt: daysAgo(2) }),
      validItem({ email: 'cy@acme.example', score: 0, respondedAt: daysAgo(60) }),
      validItem({ email: 'gil@globex.example', score: 9, respondedAt: daysAgo(4) }),
    ], new Date());
    await createRule(k, aListRule({ name: 'unhappy', conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 })] } }), { actor: 'test' });
    await createRule(k, aListRule({ name: 'fans', conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'greaterThan', value: 8 })] } }), { actor: 'test' });
    await refreshLists(k, { now: new Date(), timeZone: 'UTC', counting: 'every_response' });
    await setRuleEnabled(k, 'fans', false, { actor: 'test', at: new Date('2026-03-02T10:15:00Z') });
  } finally {
    await db.close();
  }
}, 120_000);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npsloop nps and lists show output', () => {
  it('prints JSON per account and window, with null NPS for an account without responses', async () => {
    const result = await npsloop('nps', '--window', 'last_30_days,last_90_days', '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.windows.map((w: { key: string }) => w.key)).toEqual(['last_30_days', 'last_90_days']);
    expect(parsed.total).toBe(3);
    expect(parsed.accounts.map((r: { name: string; window: string; total: number; nps: number | null }) => [r.name, r.window, r.total, r.nps])).toEqual([
      ['Acme', 'last_30_days', 2, 0],
      ['Acme', 'last_90_days', 3, -100 / 3],
      ['Globex', 'last_30_days', 1, 100],
      ['Globex', 'last_90_days', 1, 100],
      ['Initech', 'last_30_days', 0, null],
      ['Initech', 'last_90_days', 0, null],
    ]);
    expect(parsed.accounts[0]).toMatchObject({ segment: 'enterprise', csm: acmeCsmEmail, promoters: 1, detractors: 1, sources: ['csv'] });
    expect(parsed.accounts[1].marginOfError).toBeGreaterThan(0);
    expect(parsed.accounts[1].marginOfError).not.toBe(Math.round(parsed.accounts[1].marginOfError * 10) / 10);
    expect(parsed.accounts[4]).toMatchObject({ marginOfError: null, sources: [], lastResponseAt: null, lastSyncedAt: null });
    expect(Object.keys(parsed.accounts[0]).filter((key) => key.includes('_'))).toEqual([]);

    // The same figure, rounded for people in the table.
    const table = await npsloop('nps', '--window', 'last_90_days');
    expect(table.stdout).toMatch(/Acme .* -33\.3 /);
    expect(table.stdout).not.toContain('-33.33');
  }, 240_000);

  it('prints CSV with one row per account and window, and a table with a window column when there are several', async () => {
    const csv = await npsloop('nps', '--window', 'last_30_days', '--window', 'ytd', '--csv');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('account,name,segment,csm,window,promoters,passives,detractors,total,nps,margin_of_error,sources,last_response_at,last_synced_at');
    expect(lines).toHaveLength(1 + 3 * 2);
    // Exact, as in the report CSV: Acme's margin over its two responses has more than one decimal.
    expect(lines[1]!.split(',').slice(1, 11)).toEqual(['Acme', 'enterprise', acmeCsmEmail, 'last_30_days', '1', '0', '1', '2', '0', expect.stringMatching(/^\d+\.\d{2,}$/)]);
    expect(lines[5]).toMatch(/^acct-\d+,Initech,mid-market,csm\d+@cs\.example,last_30_days,0,0,0,0,,,,,$/);

    const several = await npsloop('nps', '--window', 'last_30_days,last_90_days');
    expect(several.stdout).toMatch(/^Last 30 days: .* \(UTC\)\nLast 90 days: /);
    expect(several.stdout.split('\n')[2]).toMatch(/^account\s+window\s+segment/);
    expect(several.stdout).toContain('no responses');
  }, 240_000);

  it('sorts, filters and pages the accounts as the API grid does', async () => {
    const second = await npsloop('nps', '--window', 'last_30_days', '--sort', 'nps', '--offset', '1', '--limit', '1', '--json');
    expect(JSON.parse(second.stdout).accounts.map((r: { name: string }) => r.name)).toEqual(['Acme']);
    const page = await npsloop('nps', '--window', 'last_30_days', '--limit', '2');
    expect(page.stdout.split('\n')[1]).toMatch(/^account\s+segment/);
    expect(page.stdout).toContain('2 of 3 accounts from 1: --offset 2 for more');
    const filtered = await npsloop('nps', '--window', 'last_30_days', '--csm', acmeCsmEmail.toUpperCase(), '--segment', 'enterprise', '--json');
    expect(JSON.parse(filtered.stdout).accounts.map((r: { name: string }) => r.name)).toEqual(['Acme']);
    // --account takes an external id or a name, as everywhere.
    const byName = await npsloop('nps', '--window', 'last_30_days', '--account', 'Globex', '--json');
    const [globex] = JSON.parse(byName.stdout).accounts as { account: string; name: string }[];
    expect(globex).toMatchObject({ name: 'Globex' });
    const byExternalId = await npsloop('nps', '--window', 'last_30_days', '--account', globex!.account, '--json');
    expect(JSON.parse(byExternalId.stdout).accounts.map((r: { name: string }) => r.name)).toEqual(['Globex']);
    expect(await npsloop('nps', '--account', 'Nowhere')).toMatchObject({ code: 1, stderr: expect.stringContaining('no account with external id or name "Nowhere"') });
  }, 240_000);

  it('refuses bad options with exit code 2 and says which', async () => {
    for (const [args, message] of [
      [['--sort', 'happiness'], '--sort: expected nps, responses, name, margin, last_response, got happiness'],
      [['--order', 'up'], '--order: expected asc, desc, got up'],
      [['--json', '--csv'], '--json and --csv: choose one'],
      [['--window', 'custom:2026-02-01..2026-01-01'], 'custom window 2026-02-01..2026-01-01 is empty'],
    ] as const) {
      const result = await npsloop('nps', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  }, 240_000);

  it("shows a list's members as a table, JSON or CSV, and fails on a name that is no list", async () => {
    const table = await npsloop('lists', 'show', 'unhappy');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^email\s+name\s+role\s+account\s+since\n/);
    expect(table.stdout).toMatch(/bo@acme\.example[\s\S]*cy@acme\.example/);
    expect(table.stdout).not.toContain('disabled');
    const json = await npsloop('lists', 'show', 'unhappy', '--json', '--limit', '1', '--offset', '1');
    expect(JSON.parse(json.stdout)).toMatchObject({
      list: { name: 'unhappy', enabled: true, version: 1 },
      members: [{ user: { email: 'cy@acme.example', role: 'admin', account: { name: 'Acme' } }, since: expect.any(String) }],
      page: { offset: 1, limit: 1, total: 2, nextOffset: null },
    });
    const csv = await npsloop('lists', 'show', 'unhappy', '--csv');
    expect(csv.stdout.split('\n')[0]).toBe('email,name,role,account,since');

    const disabled = await npsloop('lists', 'show', 'fans');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/^\(disabled: members are as of 2026-03-02 10:15 UTC, when it was disabled, and no longer refreshed; `npsloop rules enable fans` refreshes it\)\nemail\s+name/);
    expect(disabled.stdout).toMatch(/ana@acme\.example[\s\S]*gil@globex\.example/);
    expect(JSON.parse((await npsloop('lists', 'show', 'fans', '--json')).stdout)).toMatchObject({ list: { name: 'fans', enabled: false, version: 2 }, page: { total: 2 } });

    const missing = await npsloop('lists', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no list named nope');
  }, 240_000);
});
