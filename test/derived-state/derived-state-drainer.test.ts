import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import { installDefaultRules } from '../../activities/install-default-rules.ts';
import type { Database } from '../../db/database.ts';
import { claimChangedAccounts, pendingChanges } from '../../db/queries/derived-state-changes.ts';
import { createRule } from '../../db/queries/rules.ts';
import { drainDerivedStateChanges } from '../../derived-state/drain-derived-state-changes.ts';
import { refreshEverything } from '../../derived-state/refresh-after-change.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import type { NpsSettingsAt } from '../../nps/nps-settings.ts';
import { startDerivedStateDrainer } from '../../worker/derived-state-drainer.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { createTestDatabase, describeEachBackend, describeOnPostgres } from '../helpers/test-database.ts';

const now = new Date('2026-11-25T12:00:00Z');
const settings: NpsSettingsAt = { now, timeZone: 'UTC', counting: 'every_response' };
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

/** Every derived row, in a comparable form: what a reader can see. */
async function derivedState(db: Kysely<Database>) {
  const snapshots = await db
    .selectFrom('account_nps_snapshots')
    .select(['account_id', 'window_key', 'promoters', 'passives', 'detractors', 'total', 'nps', 'margin_of_error', 'sources', 'last_response_at'])
    .orderBy('account_id')
    .orderBy('window_key')
    .execute();
  const health = await db
    .selectFrom('account_health')
    .select(['account_id', 'dimension', 'colour', 'reasons', 'rule_id', 'rule_version'])
    .orderBy('account_id')
    .orderBy('dimension')
    .execute();
  const lists = await db.selectFrom('list_members').select(['rule_id', 'user_id']).orderBy('rule_id').orderBy('user_id').execute();
  return { snapshots, health, lists };
}

async function respond(db: Kysely<Database>, answers: { email: string; score: number; days?: number }[]) {
  return storeBatch(db, 'generic', answers.map(({ email, score, days = 1 }) => validItem({ email, score, respondedAt: daysAgo(days) })), now);
}

describeEachBackend('derived-state drainer', (db) => {
  it('refreshes what the stored responses changed, to what a full recompute gives', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    const acme = await seedAccount(k, { users: ['ann@acme.example', 'bob@acme.example'] });
    const globex = await seedAccount(k, { users: ['cy@globex.example'] });
    await seedAccount(k, { users: ['dee@initech.example'] });
    await refreshEverything(k, settings);

    await respond(k, [
      { email: 'ann@acme.example', score: 2 },
      { email: 'bob@acme.example', score: 10 },
      { email: 'cy@globex.example', score: 0 },
    ]);
    expect((await pendingChanges(k)).pending).toBe(3);

    const pass = await drainDerivedStateChanges(k, settings, { limit: 100 });
    expect(pass).toMatchObject({ accounts: 2, users: 3 });
    expect(pass.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(await pendingChanges(k)).toEqual({ pending: 0, oldestAgeMs: null });

    const drained = await derivedState(k);
    expect(drained.snapshots.filter((s) => s.account_id === acme.accountId && s.window_key === 'last_90_days')).toMatchObject([
      { total: 2, promoters: 1, detractors: 1, nps: 0 },
    ]);
    expect(drained.health.some((h) => h.account_id === globex.accountId)).toBe(true);
    await refreshEverything(k, settings);
    expect(await derivedState(k)).toEqual(drained);
  });

  it('refreshes an account once for every response that arrived while it waited', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    await seedAccount(k, { users: ['a@wave.example', 'b@wave.example', 'c@wave.example'] });
    await respond(k, [{ email: 'a@wave.example', score: 3 }]);
    await respond(k, [{ email: 'b@wave.example', score: 4 }]);
    await respond(k, [{ email: 'c@wave.example', score: 9 }, { email: 'a@wave.example', score: 5, days: 2 }]);
    expect(await drainDerivedStateChanges(k, settings, { limit: 100 })).toMatchObject({ accounts: 1, users: 3 });
    expect(await drainDerivedStateChanges(k, settings, { limit: 100 })).toMatchObject({ accounts: 0, users: 0 });
  });

  it('takes nothing when a pass fails: the next pass refreshes it', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    const { accountId } = await seedAccount(k, { users: ['fail@acme.example'] });
    await respond(k, [{ email: 'fail@acme.example', score: 1 }]);
    await expect(drainDerivedStateChanges(k, { ...settings, timeZone: 'Nowhere/Atlantis' }, { limit: 100 })).rejects.toThrow();
    expect((await pendingChanges(k)).pending).toBe(1);
    expect(await k.selectFrom('account_nps_snapshots').select('account_id').where('account_id', '=', accountId).execute()).toEqual([]);
    expect(await drainDerivedStateChanges(k, settings, { limit: 100 })).toMatchObject({ accounts: 1 });
    expect((await pendingChanges(k)).pending).toBe(0);
  });

  it('records changes for replayed and imported recent responses only, never for unchanged redeliveries', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['same@acme.example'] });
    const item = validItem({ email: 'same@acme.example', score: 6, respondedAt: daysAgo(1) });
    await storeBatch(k, 'generic', [item], now);
    await storeBatch(k, 'generic', [item], now);
    expect((await pendingChanges(k)).pending).toBe(1);
    await storeBatch(k, 'generic', [validItem({ email: 'same@acme.example', score: 6, respondedAt: daysAgo(60) })], now, {
      detail: 'summary',
      startWorkflowsFrom: daysAgo(7),
    });
    expect((await pendingChanges(k)).pending).toBe(1);
  });

  it('re-decides every user of a changed account for a list that reads the account NPS', async () => {
    const k = db().kysely;
    await createRule(
      k,
      {
        kind: 'list',
        name: 'on-unhappy-accounts',
        description: 'Users of accounts whose NPS is below zero',
        conditions: { all: [{ fact: 'accountNps', operator: 'lessThan', value: 0, params: { window: 'last_90_days' } }] },
      },
      { actor: 'test' },
    );
    await seedAccount(k, { users: ['quiet@acme.example', 'loud@acme.example'] });
    await refreshEverything(k, settings);
    await respond(k, [{ email: 'loud@acme.example', score: 0 }]);
    await drainDerivedStateChanges(k, settings, { limit: 100 });
    const members = await k.selectFrom('list_members').innerJoin('users', 'users.id', 'list_members.user_id').select('users.email').orderBy('users.email').execute();
    expect(members.map((m) => m.email)).toEqual(['loud@acme.example', 'quiet@acme.example']);
  });

  it('runs in a loop until stopped, reporting each pass', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    await seedAccount(k, { users: ['loop@acme.example'] });
    const passes: number[] = [];
    const drainer = startDerivedStateDrainer(k, () => settings, { intervalMs: 20, onPass: (pass) => passes.push(pass.accounts) });
    try {
      await respond(k, [{ email: 'loop@acme.example', score: 8 }]);
      await expect.poll(() => passes, { timeout: 10_000 }).toEqual([1]);
    } finally {
      await drainer.stop();
    }
    expect((await pendingChanges(k)).pending).toBe(0);
  });
});

describeOnPostgres('derived-state drainers side by side', () => {
  it('never take the same account at once, and a change stored during a pass waits for the next', async () => {
    const { db, drop } = await createTestDatabase('postgres');
    try {
      const k = db.kysely;
      await installDefaultRules(k);
      const first = await seedAccount(k, { users: ['one@first.example'] });
      const second = await seedAccount(k, { users: ['two@second.example'] });
      await respond(k, [{ email: 'one@first.example', score: 2 }]);
      await respond(k, [{ email: 'two@second.example', score: 9 }]);

      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let firstClaim: Awaited<ReturnType<typeof claimChangedAccounts>> | undefined;
      const firstPass = k.transaction().execute(async (trx) => {
        firstClaim = await claimChangedAccounts(trx, 1);
        await held;
      });
      await expect.poll(() => firstClaim?.accountIds).toEqual([first.accountId]);

      // Another drainer passes over the held account to the next one.
      const secondClaim = await k.transaction().execute((trx) => claimChangedAccounts(trx, 10));
      expect(secondClaim.accountIds).toEqual([second.accountId]);

      // Stored after the first pass took its rows: it stays for the next pass.
      await respond(k, [{ email: 'one@first.example', score: 10, days: 2 }]);
      release();
      await firstPass;
      const left = await k.selectFrom('derived_state_changes').select(['account_id', 'user_id']).execute();
      expect(left).toEqual([{ account_id: first.accountId, user_id: first.users[0]!.id }]);
      expect(await sql<{ locks: number }>`select count(*)::int as locks from pg_locks where locktype = 'advisory'`.execute(k)).toMatchObject({ rows: [{ locks: 0 }] });
    } finally {
      await drop();
    }
  });
});
