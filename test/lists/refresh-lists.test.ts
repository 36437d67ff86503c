import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import type { Db } from '../../db/connect.ts';
import { refreshStandardSnapshots } from '../../db/queries/account-nps.ts';
import { listMembers } from '../../db/queries/list-members.ts';
import { createRule, listRules } from '../../db/queries/rules.ts';
import { refreshAccountHealth } from '../../health/refresh-account-health.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { refreshLists } from '../../lists/refresh-lists.ts';
import type { ListRule } from '../../rules/rule-schema.ts';
import { DEFAULT_HEALTH_RULES } from '../../rules/default-rules.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { createTestDatabase, describeEachBackend, emptyDatabase } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const settings = { now, timeZone: 'UTC', counting: 'every_response' as const };
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

const admins: ListRule = { kind: 'list', name: 'admins', conditions: { all: [{ fact: 'role', operator: 'equal', value: 'admin' }] } };
const unhappyAccounts: ListRule = {
  kind: 'list',
  name: 'unhappy-accounts',
  conditions: { all: [{ fact: 'accountNps', params: { window: 'last_90_days' }, operator: 'lessThan', value: 0 }] },
};
const redAccounts: ListRule = {
  kind: 'list',
  name: 'red-accounts',
  conditions: { all: [{ fact: 'accountHealth', params: { dimension: 'relationship' }, operator: 'equal', value: 'red' }] },
};

const membersOf = async (k: Kysely<Database>, name: string) => {
  const [rule] = (await listRules(k, { kind: 'list' })).filter((r) => r.name === name);
  return (await listMembers(k, rule!.id)).map((m) => m.user_id);
};

describeEachBackend('list refresh', (db) => {
  it('counts the members of whole lists only, not in a refresh of some users', async () => {
    const k = db().kysely;
    await createRule(k, admins, { actor: 'ann' });
    const { users } = await seedAccount(k, { users: ['a@acme.example', 'b@acme.example'] });
    expect(await refreshLists(k, settings)).toEqual([{ list: 'admins', entered: 2, exited: 0, total: 2 }]);

    await k.updateTable('users').set({ role: 'viewer' }).where('id', '=', users[0]!.id).execute();
    expect(await refreshLists(k, settings, { userIds: [users[0]!.id] })).toEqual([{ list: 'admins', entered: 0, exited: 1 }]);
    expect(await refreshLists(k, settings, { names: ['admins'] })).toEqual([{ list: 'admins', entered: 0, exited: 0, total: 1 }]);
  });

  it("re-decides every user of the accounts given for a list over the account's figures, and only the users given for others", async () => {
    const k = db().kysely;
    await createRule(k, admins, { actor: 'ann' });
    await createRule(k, unhappyAccounts, { actor: 'ann' });
    const acme = await seedAccount(k, { users: ['a1@acme.example', 'a2@acme.example', 'a3@acme.example'] });
    const other = await seedAccount(k, { users: ['b1@other.example'] });
    await storeBatch(k, 'csv', [validItem({ email: 'b1@other.example', score: 2, respondedAt: daysAgo(3) })], now);
    await refreshLists(k, settings);
    const [a1, a2, a3] = acme.users.map((u) => u.id) as [number, number, number];
    const b1 = other.users[0]!.id;
    expect(await membersOf(k, 'unhappy-accounts')).toEqual([b1]);

    // a1's detractor answer turns acme's NPS negative; a2 stops being an admin meanwhile.
    await storeBatch(k, 'csv', [validItem({ email: 'a1@acme.example', score: 1, respondedAt: daysAgo(1) })], now);
    await k.updateTable('users').set({ role: 'viewer' }).where('id', '=', a2).execute();

    // Without the account, only a1 is re-decided.
    expect(await refreshLists(k, settings, { userIds: [a1], names: ['unhappy-accounts'] })).toEqual([{ list: 'unhappy-accounts', entered: 1, exited: 0 }]);
    expect(await membersOf(k, 'unhappy-accounts')).toEqual([a1, b1].sort((x, y) => x - y));

    // With it, every user of acme is, on that list alone: admins still holds a2.
    const refreshed = await refreshLists(k, settings, { userIds: [a1], accountIds: [acme.accountId] });
    expect(refreshed).toEqual([
      { list: 'admins', entered: 0, exited: 0 },
      { list: 'unhappy-accounts', entered: 2, exited: 0 },
    ]);
    expect(await membersOf(k, 'unhappy-accounts')).toEqual([a1, a2, a3, b1].sort((x, y) => x - y));
    expect(await membersOf(k, 'admins')).toContain(a2);
  });

  it('refreshes only the rules it is given, without reading them again', async () => {
    const k = db().kysely;
    const rule = await createRule(k, admins, { actor: 'ann' });
    await createRule(k, { ...admins, name: 'admins-too' }, { actor: 'ann' });
    const { users } = await seedAccount(k);
    expect(await refreshLists(k, settings, { userIds: [users[0]!.id], rules: [rule] })).toEqual([{ list: 'admins', entered: 1, exited: 0 }]);
    expect(await membersOf(k, 'admins-too')).toEqual([]);
  });

  it('refreshes snapshots, health and lists in one transaction, each seeing what the one before wrote', async () => {
    const k = db().kysely;
    for (const rule of DEFAULT_HEALTH_RULES) await createRule(k, rule, { actor: 'ann' });
    await createRule(k, redAccounts, { actor: 'ann' });
    const acme = await seedAccount(k, { users: ['a1@acme.example', 'a2@acme.example'] });
    await storeBatch(k, 'csv', [validItem({ email: 'a1@acme.example', score: 0, respondedAt: daysAgo(1) })], now);
    const healthRules = await listRules(k, { kind: 'health', enabledOnly: true });
    const listRulesRead = await listRules(k, { kind: 'list', enabledOnly: true });
    const pass = async (trx: Kysely<Database>) => {
      await refreshStandardSnapshots(trx, [acme.accountId], settings);
      const health = await refreshAccountHealth(trx, [acme.accountId], settings, { rules: healthRules });
      const lists = await refreshLists(trx, settings, { userIds: [acme.users[0]!.id], accountIds: [acme.accountId], rules: listRulesRead });
      return { health, lists };
    };

    const failed = k.transaction().execute(async (trx) => {
      await pass(trx);
      throw new Error('the pass fails at its end');
    });
    await expect(failed).rejects.toThrow('the pass fails at its end');
    const counts = sql<{ snapshots: number; health: number; members: number }>`select
      (select count(*)::int from account_nps_snapshots) as snapshots,
      (select count(*)::int from account_health) as health,
      (select count(*)::int from list_members) as members`;
    expect((await counts.execute(k)).rows).toEqual([{ snapshots: 0, health: 0, members: 0 }]);

    const { health, lists } = await k.transaction().execute(pass);
    expect(health.changes.map((c) => [c.dimension, c.to_colour])).toEqual([['relationship', 'red'], ['service', 'green']]);
    expect(lists).toEqual([{ list: 'red-accounts', entered: 2, exited: 0 }]);
    expect((await counts.execute(k)).rows).toEqual([{ snapshots: 7, health: 2, members: 2 }]);
  });
});

describe('list refresh locks [postgres]', () => {
  let db: Db | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, drop } = await createTestDatabase('postgres'));
  }, 60_000);
  afterAll(async () => {
    await drop?.();
  });
  beforeEach(async () => {
    if (db) await emptyDatabase(db);
  });

  it('lets refreshes of different users of a list run together, while a whole-list refresh waits for them', async () => {
    const k = db!.kysely;
    await createRule(k, admins, { actor: 'ann' });
    const { users } = await seedAccount(k, { users: ['a@acme.example', 'b@acme.example'] });
    const [a, b] = users.map((u) => u.id) as [number, number];
    const withLockTimeout = <T>(work: (trx: Kysely<Database>) => Promise<T>) =>
      k.transaction().execute(async (trx) => {
        await sql`set local lock_timeout = '1s'`.execute(trx);
        return work(trx);
      });

    const open = await k.startTransaction().execute();
    try {
      expect(await refreshLists(open, settings, { userIds: [a] })).toEqual([{ list: 'admins', entered: 1, exited: 0 }]);
      // Another connection, while the first refresh's transaction is still open.
      expect(await withLockTimeout((trx) => refreshLists(trx, settings, { userIds: [b] }))).toEqual([{ list: 'admins', entered: 1, exited: 0 }]);
      await expect(withLockTimeout((trx) => refreshLists(trx, settings))).rejects.toThrow(/lock timeout/);
      await open.commit().execute();
    } catch (error) {
      await open.rollback().execute();
      throw error;
    }
    expect(await refreshLists(k, settings)).toEqual([{ list: 'admins', entered: 0, exited: 0, total: 2 }]);
  });
});
