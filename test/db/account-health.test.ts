import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { accountHealth, type HealthResult, healthChanges, recordHealth } from '../../db/queries/account-health.ts';
import { createRule, updateRule } from '../../db/queries/rules.ts';
import type { HealthRule } from '../../rules/rule-schema.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const day1 = new Date('2026-11-01T06:00:00Z');
const day2 = new Date('2026-11-02T06:00:00Z');
const day3 = new Date('2026-11-03T06:00:00Z');

function relationshipRule(criteria: HealthRule['criteria']): HealthRule {
  return { kind: 'health', name: 'relationship-health', dimension: 'relationship', criteria };
}

async function healthRule(k: Kysely<Database>) {
  return createRule(k, relationshipRule([{ colour: 'green' }]), { actor: 'ann' });
}

describeEachBackend('account health', (db) => {
  it('stores colours and records a change only when the colour changes, a first colour included', async () => {
    const k = db().kysely;
    const rule = await healthRule(k);
    const a = await seedAccount(k);
    const b = await seedAccount(k);
    const result = (accountId: number, colour: HealthResult['colour'], reasons: string[], ruleVersion = rule.version): HealthResult => ({
      accountId,
      dimension: 'relationship',
      colour,
      reasons,
      ruleId: rule.id,
      ruleVersion,
    });

    const first = await recordHealth(k, [result(a.accountId, 'green', ['NPS 40 over 90 days']), result(b.accountId, 'red', ['a detractor in the last 30 days'])], day1);
    expect(first.map((c) => [c.account_id, c.from_colour, c.to_colour, c.reasons, c.changed_at])).toEqual([
      [a.accountId, null, 'green', ['NPS 40 over 90 days'], day1],
      [b.accountId, null, 'red', ['a detractor in the last 30 days'], day1],
    ]);

    // b keeps its colour with other reasons and a new rule version: stored, but no change.
    const v2 = await updateRule(k, 'relationship-health', relationshipRule([{ colour: 'amber', reason: 'always amber' }]), { actor: 'ann' });
    const second = await recordHealth(
      k,
      [result(a.accountId, 'amber', ['NPS 20 over 90 days'], v2.version), result(b.accountId, 'red', ['NPS -10 over 90 days'], v2.version)],
      day2,
    );
    expect(second.map((c) => [c.account_id, c.from_colour, c.to_colour, c.reasons, c.rule_version])).toEqual([
      [a.accountId, 'green', 'amber', ['NPS 20 over 90 days'], 2],
    ]);
    expect(await accountHealth(k, b.accountId)).toEqual([
      {
        account_id: b.accountId,
        dimension: 'relationship',
        colour: 'red',
        reasons: ['NPS -10 over 90 days'],
        rule_id: rule.id,
        rule_version: 2,
        computed_at: day2,
      },
    ]);

    // Running the same results again (an activity retry) records nothing new.
    expect(await recordHealth(k, [result(a.accountId, 'amber', ['NPS 20 over 90 days'], 2)], day2)).toEqual([]);
    expect(await k.selectFrom('account_health_changes').select('id').execute()).toHaveLength(3);
  });

  it('keeps each dimension apart and ignores a result older than the stored one', async () => {
    const k = db().kysely;
    const rule = await healthRule(k);
    const { accountId } = await seedAccount(k);
    const base = { accountId, ruleId: rule.id, ruleVersion: 1 };
    await recordHealth(k, [{ ...base, dimension: 'relationship', colour: 'green', reasons: [] }, { ...base, dimension: 'service', colour: 'red', reasons: ['2 critical tickets open'] }], day2);
    expect((await accountHealth(k, accountId)).map((h) => [h.dimension, h.colour])).toEqual([['relationship', 'green'], ['service', 'red']]);

    const late = await recordHealth(k, [{ ...base, dimension: 'service', colour: 'green', reasons: [] }], day1);
    expect(late).toEqual([]);
    expect((await accountHealth(k, accountId)).find((h) => h.dimension === 'service')).toMatchObject({ colour: 'red', computed_at: day2 });
  });

  it('refuses two results for one account and dimension, and a result of an unknown rule version, writing nothing', async () => {
    const k = db().kysely;
    const rule = await healthRule(k);
    const a = await seedAccount(k);
    const b = await seedAccount(k);
    const green = { accountId: a.accountId, dimension: 'relationship' as const, colour: 'green' as const, reasons: [], ruleId: rule.id, ruleVersion: 1 };
    await expect(recordHealth(k, [green, { ...green, colour: 'red' }], day1)).rejects.toThrow(/two relationship results/);
    await expect(recordHealth(k, [green, { ...green, accountId: b.accountId, ruleVersion: 9 }], day1)).rejects.toThrow(/foreign key/i);
    expect(await k.selectFrom('account_health').selectAll().execute()).toEqual([]);
    expect(await k.selectFrom('account_health_changes').selectAll().execute()).toEqual([]);
  });

  it('pages colour changes by time, for one account or all, from a time on', async () => {
    const k = db().kysely;
    const rule = await healthRule(k);
    const a = await seedAccount(k);
    const b = await seedAccount(k);
    const at = (accountId: number, colour: HealthResult['colour']): HealthResult => ({ accountId, dimension: 'relationship', colour, reasons: [], ruleId: rule.id, ruleVersion: 1 });
    await recordHealth(k, [at(a.accountId, 'green'), at(b.accountId, 'green')], day1);
    await recordHealth(k, [at(a.accountId, 'red'), at(b.accountId, 'amber')], day2);
    await recordHealth(k, [at(a.accountId, 'amber')], day3);

    const ofA = await healthChanges(k, { accountId: a.accountId, limit: 10 });
    expect(ofA.map((c) => [c.from_colour, c.to_colour])).toEqual([[null, 'green'], ['green', 'red'], ['red', 'amber']]);
    expect((await healthChanges(k, { since: day2, limit: 10 })).map((c) => c.to_colour)).toEqual(['red', 'amber', 'amber']);

    const pages: string[][] = [];
    let after: { changed_at: Date; id: number } | undefined;
    for (;;) {
      const page = await healthChanges(k, { limit: 2, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      pages.push(page.map((c) => `${c.account_id === a.accountId ? 'a' : 'b'}:${c.to_colour}`));
      after = page.at(-1);
    }
    expect(pages).toEqual([['a:green', 'b:green'], ['a:red', 'b:amber'], ['a:amber']]);
  });
});
