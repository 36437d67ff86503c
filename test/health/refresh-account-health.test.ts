import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createRule, listRules } from '../../db/queries/rules.ts';
import { evaluateAccountHealth, refreshAccountHealth } from '../../health/refresh-account-health.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { DEFAULT_HEALTH_RULES } from '../../rules/default-rules.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const settings = { now, timeZone: 'UTC', counting: 'every_response' as const };
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

describeEachBackend('account health refresh', (db) => {
  async function seed() {
    const k = db().kysely;
    for (const rule of DEFAULT_HEALTH_RULES) await createRule(k, rule, { actor: 'ann' });
    const unhappy = await seedAccount(k, { users: ['u@unhappy.example'] });
    const quiet = await seedAccount(k);
    await storeBatch(k, 'csv', [validItem({ email: 'u@unhappy.example', score: 2, respondedAt: daysAgo(5) })], now);
    await k.insertInto('tickets').values({ external_id: 't1', account_id: unhappy.accountId, priority: 'low', status: 'open', opened_at: daysAgo(10) }).execute();
    return { k, ids: [unhappy.accountId, quiet.accountId] };
  }

  it('stores what evaluateAccountHealth gives, and evaluating alone stores nothing', async () => {
    const { k, ids } = await seed();
    const evaluated = await evaluateAccountHealth(k, ids, settings);
    expect(evaluated.map((r) => [r.accountId, r.dimension, r.colour])).toEqual([
      [ids[0], 'relationship', 'red'],
      [ids[0], 'service', 'amber'],
      [ids[1], 'relationship', 'green'],
      [ids[1], 'service', 'green'],
    ]);
    expect(await k.selectFrom('account_health').selectAll().execute()).toEqual([]);

    const refreshed = await refreshAccountHealth(k, ids, settings);
    expect(refreshed.evaluated).toBe(4);
    const stored = await k.selectFrom('account_health').selectAll().orderBy('account_id').orderBy('dimension').execute();
    expect(stored).toEqual(
      evaluated.map((r) => ({
        account_id: r.accountId,
        dimension: r.dimension,
        colour: r.colour,
        reasons: r.reasons,
        rule_id: r.ruleId,
        rule_version: r.ruleVersion,
        computed_at: now,
      })),
    );
  });

  it('stores both dimensions of all the accounts in one statement', async () => {
    const { k, ids } = await seed();
    // Each autocommitted statement is a transaction of its own: one xmin means one statement.
    const writers = sql<{ writers: number }>`select count(distinct xmin::text)::int as writers from account_health`;
    await refreshAccountHealth(k, ids, settings);
    expect((await writers.execute(k)).rows).toEqual([{ writers: 1 }]);
    await k.deleteFrom('account_health').execute();
    await refreshAccountHealth(k, 'all', settings);
    expect((await writers.execute(k)).rows).toEqual([{ writers: 1 }]);
  });

  it('applies only the health rules it is given', async () => {
    const { k, ids } = await seed();
    const service = (await listRules(k, { kind: 'health', enabledOnly: true })).filter((r) => r.name === 'service-health');
    const refreshed = await refreshAccountHealth(k, ids, settings, { rules: service });
    expect(refreshed.changes.map((c) => [c.account_id, c.dimension, c.to_colour])).toEqual([
      [ids[0], 'service', 'amber'],
      [ids[1], 'service', 'green'],
    ]);
  });
});
