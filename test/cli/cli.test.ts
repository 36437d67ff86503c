import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/run-cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-cli-'));

const npsloop = cliRunner(dataDir);

function file(name: string, text: string): string {
  const target = path.join(dataDir, name);
  fs.writeFileSync(target, text);
  return target;
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npsloop CLI', () => {
  it('answers --help on every command with exit code 0', async () => {
    for (const command of [[], ['import'], ['sync'], ['nps'], ['report'], ['goals', 'add'], ['goals', 'status'], ['rejections'], ['tasks', 'list'], ['journeys', 'status'], ['tokens', 'create'], ['serve'], ['start'], ['rules', 'test']]) {
      const result = await npsloop(...command, '--help');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: npsloop');
    }
  }, 120_000);

  it('exits with 2 on a usage error and says what was wrong', async () => {
    expect(await npsloop('no-such-command')).toMatchObject({ code: 2 });
    const badWindow = await npsloop('nps', '--window', 'fortnight');
    expect(badWindow.code).toBe(2);
    expect(badWindow.stderr).toContain('unknown NPS window key "fortnight"');
    const unknownEntity = await npsloop('sync', 'customers', path.join(dataDir, 'nope.csv'));
    expect(unknownEntity).toMatchObject({ code: 2 });
    expect(unknownEntity.stderr).toContain('unknown entity "customers"; expected one of csms, accounts, users, tickets');
    const syncHelp = await npsloop('sync', '--help');
    expect(syncHelp.stdout.replace(/\s+/g, ' ')).toContain("csms | accounts | users | tickets, as in the API's /sync/<entity> (the singular, e.g. csm, is accepted too)");
    const missing = await npsloop('import', path.join(dataDir, 'nope.csv'));
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('no such file');
  }, 120_000);

  it('syncs the instance, imports history and reports account NPS', async () => {
    const today = new Date();
    const day = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000).toISOString();
    // The API's names (/sync/csms, /sync/accounts); the singular stays accepted as an alias.
    const csms = await npsloop('sync', 'csms', file('csms.csv', 'externalId,email,name\nann,ann@cs.example,Ann\n'));
    expect(csms, csms.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('1 csm records: 1 upserted, 0 rejected') });
    expect((await npsloop('sync', 'accounts', file('accounts.json', JSON.stringify([{ externalId: 'acme', name: 'Acme', csmExternalId: 'ann' }])))).code).toBe(0);
    const users = await npsloop('sync', 'user', file('users.csv', 'externalId,accountExternalId,email\nu1,acme,ana@acme.example\nu2,acme,bo@acme.example\n'));
    expect(users, users.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('2 user records: 2 upserted, 0 rejected') });
    const history = file('history.csv', [
      'email,score,respondedAt,comment',
      `ana@acme.example,10,${day(3)},great`,
      `bo@acme.example,2,${day(2)},"slow, buggy"`,
      `ana@acme.example,abc,${day(1)},`,
    ].join('\n'));
    const imported = await npsloop('import', history);
    // A row was rejected: exit code 1, after the summary.
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('3 rows read: 2 new');
    expect(imported.stdout).toContain('line 4: invalid: score must be a number from 0 to 10');

    const report = await npsloop('nps', '--window', 'last_30_days', '--json');
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout);
    expect(parsed.accounts).toMatchObject([{ account: 'acme', promoters: 1, detractors: 1, total: 2, nps: 0, sources: ['csv'] }]);
    expect(parsed.accounts[0].marginOfError).toBeGreaterThan(50);

    const csv = await npsloop('nps', '--window', 'last_30_days', '--csv');
    expect(csv.stdout.split('\n')[0]).toBe('account,name,segment,csm,window,promoters,passives,detractors,total,nps,margin_of_error,sources,last_response_at,last_synced_at');
    const rejections = await npsloop('rejections', '--json');
    expect(JSON.parse(rejections.stdout)).toMatchObject([{ reason: 'invalid', line: 4, receivedAt: expect.any(String), replayedAt: null }]);
    // Seven real processes, each opening the embedded database: give them time on a busy machine.
  }, 180_000);

  it('exits with 2 and names the variable when the configuration is bad', async () => {
    const result = await cliRunner(dataDir, { NPSLOOP_TIME_ZONE: 'Nowhere/Town' })('nps');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NPSLOOP_TIME_ZONE: expected an IANA time zone');
  });
});
