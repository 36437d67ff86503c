import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/run-cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-report-cli-'));
const npsloop = cliRunner(dataDir);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const target = path.join(dataDir, name);
  fs.writeFileSync(target, text);
  return target;
}

describe('npsloop report', () => {
  it('prints NPS by CSM by month as a table, JSON and CSV, and refuses a bad flag with exit code 2', async () => {
    // Two responses this month and one 40 days before: two periods with responses, whatever today is.
    const today = DateTime.utc();
    const earlier = today.minus({ days: 40 });
    const at = (day: DateTime) => day.set({ hour: 12 }).toISO();
    expect((await npsloop('sync', 'csm', file('csms.csv', 'externalId,email,name,managerExternalId\nlee,lee@cs.example,Lee Lead,\nann,ann@cs.example,Ann Able,lee\n'))).code).toBe(0);
    expect((await npsloop('sync', 'account', file('accounts.csv', 'externalId,name,csmExternalId\nacme,Acme,ann\n'))).code).toBe(0);
    expect((await npsloop('sync', 'user', file('users.csv', 'externalId,accountExternalId,email\nu1,acme,ana@acme.example\nu2,acme,bo@acme.example\n'))).code).toBe(0);
    // The first instant of this month: never in the future, whenever the test runs.
    const thisMonth = today.startOf('month').toISO();
    const history = ['email,score,respondedAt', `ana@acme.example,10,${at(earlier)}`, `ana@acme.example,9,${thisMonth}`, `bo@acme.example,3,${thisMonth}`];
    expect((await npsloop('import', file('history.csv', history.join('\n')))).code).toBe(0);

    const range = ['--from', earlier.toISODate()!, '--to', today.toISODate()!];
    const table = await npsloop('report', '--by', 'csm', '--period', 'month', ...range);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^CSM\\s+${earlier.toFormat('LLL yyyy')}\\s+.*${today.toFormat('LLL yyyy')} \\(so far\\)\\s+Total$`));
    expect(lines.find((l) => l.startsWith('Ann Able'))).toMatch(/100 \(1\)\*.*0 \(2\)\*\s+33\.3 \(3\)\*$/);
    expect(lines.find((l) => l.startsWith('Lee Lead'))).toMatch(/–\s+–$/);
    expect(lines.find((l) => l.startsWith('Company'))).toMatch(/33\.3 \(3\)\*$/);
    expect(table.stdout).toContain('* fewer than 5 responses');
    // Not a terminal: no colour codes.
    expect(table.stdout).not.toContain('\u001b[');

    const json = JSON.parse((await npsloop('report', '--by', 'team', '--period', 'quarter', '--minimum', '2', '--json', ...range)).stdout);
    expect(json.rows.map((r: { label: string; total: { n: number; nps: number; flag: string | null } }) => [r.label, r.total.n, r.total.flag])).toEqual([["Lee Lead's team", 3, null]]);

    const csv = await npsloop('report', '--by', 'account', '--csv', ...range);
    expect(csv.stdout.split('\n')[0]).toBe(
      'dimension,key,label,period,period_start,period_end,partial,n,promoters,passives,detractors,nps,margin_of_error,flag,' +
        'change_from_previous,change_from_previous_p_value,change_from_previous_significant,change_from_year_before,' +
        'change_from_year_before_p_value,change_from_year_before_significant',
    );
    expect(csv.stdout).toContain(',Acme,total,');

    const noPath = await npsloop('report', '--by', 'user_attribute');
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain('--attribute: is required with by=user_attribute');
    const backwards = await npsloop('report', '--from', '2026-05-01', '--to', '2026-01-01');
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('--to: from 2026-05-01 to 2026-01-01: the range ends before it starts');
  }, 180_000);

  it('sets, lists, changes and removes goals, and shows where they stand', async () => {
    // The instance of the test above: Ann Able answered 9 and 3 this month and 10 earlier.
    const added = await npsloop('goals', 'add', '--name', 'Ann at least 0', '--scope', 'csm:ann', '--period', 'month', '--at-least', '0');
    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(added.stdout).toMatch(/^goal \d+ "Ann at least 0" set/);
    const id = /^goal (\d+)/.exec(added.stdout)![1]!;
    expect((await npsloop('goals', 'add', '--name', 'Team +5', '--scope', 'team:lee', '--period', 'quarter', '--improve-by', '5')).code).toBe(0);

    const list = await npsloop('goals', 'list');
    expect(list.stdout).toContain('Ann at least 0');
    expect(list.stdout).toMatch(/Team \+5\s+team lee\s+quarter\s+\+5 on the previous quarter/);

    const status = await npsloop('goals', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Ann at least 0 (Ann Able, NPS ≥ 0 each month)');
    expect(status.stdout).toMatch(/\(so far\)|too few/);
    const json = JSON.parse((await npsloop('goals', 'status', '--json')).stdout);
    expect(json.map((g: { goal: { name: string } }) => g.goal.name)).toEqual(['Ann at least 0', 'Team +5']);
    expect(json[0].periods.at(-1)).toMatchObject({ status: 'not_enough_responses', n: 2 });

    const changed = await npsloop('goals', 'set', id, '--at-least', '20');
    expect(changed.stdout).toBe(`goal ${id} is at version 2\n`);
    expect((await npsloop('goals', 'set', id, '--at-least', '20')).stdout).toContain('nothing changed');

    const unknown = await npsloop('goals', 'add', '--name', 'Ghost', '--scope', 'csm:ghost', '--period', 'month', '--at-least', '0');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--scope: no CSM with external id "ghost" is known to this instance');
    const noTarget = await npsloop('goals', 'add', '--name', 'No target', '--scope', 'company', '--period', 'month');
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('give --at-least or --improve-by');
    const badPeriod = await npsloop('goals', 'add', '--name', 'Bad', '--scope', 'company', '--period', 'day', '--at-least', '0');
    expect(badPeriod.stderr).toContain('--period:');

    expect((await npsloop('goals', 'remove', id)).stdout).toBe(`goal ${id} "Ann at least 0" removed\n`);
    expect((await npsloop('goals', 'list')).stdout).not.toContain('Ann at least 0');
  }, 180_000);
});
