import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { listMembers, membershipEvents, NotAListRuleError, replaceListMembers } from '../../db/queries/list-members.ts';
import { createRule, deleteRule } from '../../db/queries/rules.ts';
import type { RuleDefinition } from '../../rules/rule-schema.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const monday = new Date('2026-11-23T06:00:00Z');
const tuesday = new Date('2026-11-24T06:00:00Z');

const adminsRule = (name: string): RuleDefinition => ({ kind: 'list', name, conditions: { all: [{ fact: 'role', operator: 'equal', value: 'admin' }] } });
// Stands in for the compiled list rule: users whose role is admin.
const admins = (k: Kysely<Database>) => k.selectFrom('users').select('id as user_id').where('role', '=', 'admin');

async function setRoles(k: Kysely<Database>, roles: Record<number, string>) {
  for (const [id, role] of Object.entries(roles)) await k.updateTable('users').set({ role }).where('id', '=', Number(id)).execute();
}

async function seedUsers(k: Kysely<Database>) {
  const { users } = await seedAccount(k, { users: ['u1@acme.example', 'u2@acme.example', 'u3@acme.example', 'u4@acme.example'] });
  return users.map((u) => u.id) as [number, number, number, number];
}

describeEachBackend('list members', (db) => {
  it('records entries and exits across refreshes', async () => {
    const k = db().kysely;
    const list = await createRule(k, adminsRule('admins'), { actor: 'ann' });
    const [u1, u2, u3, u4] = await seedUsers(k);
    await setRoles(k, { [u3]: 'viewer', [u4]: 'viewer' });

    expect(await replaceListMembers(k, list.id, admins(k), monday)).toEqual({ entered: [u1, u2], exited: [], total: 2 });

    await setRoles(k, { [u1]: 'viewer', [u3]: 'admin' });
    expect(await replaceListMembers(k, list.id, admins(k), tuesday)).toEqual({ entered: [u3], exited: [u1], total: 2 });

    const members = await listMembers(k, list.id);
    expect(members.map((m) => [m.user_id, m.since, m.explanation])).toEqual([[u2, monday, null], [u3, tuesday, null]]);
    const events = await membershipEvents(k, list.id);
    expect(events.map((e) => [e.user_id, e.event, e.at])).toEqual([
      [u1, 'entered', monday],
      [u2, 'entered', monday],
      [u3, 'entered', tuesday],
      [u1, 'exited', tuesday],
    ]);

    // Nothing changed: nothing recorded.
    expect(await replaceListMembers(k, list.id, admins(k), tuesday)).toEqual({ entered: [], exited: [], total: 2 });
    expect(await membershipEvents(k, list.id)).toHaveLength(4);
  });

  it('takes a raw SQL member query, ignores duplicates and nulls, and keeps lists apart', async () => {
    const k = db().kysely;
    const [u1, u2, u3] = await seedUsers(k);
    const some = await createRule(k, adminsRule('some'), { actor: 'ann' });
    const other = await createRule(k, adminsRule('other'), { actor: 'ann' });
    await replaceListMembers(k, other.id, admins(k), monday);
    const raw = sql<{ user_id: number }>`select * from (values (${u1}::int), (${u1}::int), (null::int), (${u3}::int)) as v(user_id)`;
    expect(await replaceListMembers(k, some.id, raw, monday)).toEqual({ entered: [u1, u3], exited: [], total: 2 });
    expect(await replaceListMembers(k, some.id, sql<{ user_id: number }>`select ${u2}::int as user_id`, tuesday)).toEqual({
      entered: [u2],
      exited: [u1, u3],
      total: 1,
    });
    expect((await listMembers(k, other.id)).map((m) => m.user_id)).toHaveLength(4);
  });

  it('pages members by user id and events by time', async () => {
    const k = db().kysely;
    const list = await createRule(k, adminsRule('admins'), { actor: 'ann' });
    const ids = await seedUsers(k);
    await replaceListMembers(k, list.id, admins(k), monday);
    const firstPage = await listMembers(k, list.id, { limit: 3 });
    const secondPage = await listMembers(k, list.id, { limit: 3, afterUserId: firstPage.at(-1)!.user_id });
    expect([...firstPage, ...secondPage].map((m) => m.user_id)).toEqual(ids);
    expect(secondPage).toHaveLength(1);

    const firstEvents = await membershipEvents(k, list.id, { limit: 3 });
    const secondEvents = await membershipEvents(k, list.id, { limit: 3, after: firstEvents.at(-1)! });
    expect([...firstEvents, ...secondEvents].map((e) => e.user_id)).toEqual(ids);
  });

  it('refreshes only live list rules', async () => {
    const k = db().kysely;
    const health = await createRule(k, { kind: 'health', name: 'health', dimension: 'service', criteria: [{ colour: 'green' }] }, { actor: 'ann' });
    const gone = await createRule(k, adminsRule('gone'), { actor: 'ann' });
    await deleteRule(k, 'gone', { actor: 'ann' });
    await expect(replaceListMembers(k, health.id, admins(k), monday)).rejects.toThrow(NotAListRuleError);
    await expect(replaceListMembers(k, gone.id, admins(k), monday)).rejects.toThrow(`rule ${gone.id} is not a live list rule`);
  });

  it('leaves the list as it was when a refresh fails', async () => {
    const k = db().kysely;
    const list = await createRule(k, adminsRule('admins'), { actor: 'ann' });
    const [u1] = await seedUsers(k);
    await replaceListMembers(k, list.id, sql<{ user_id: number }>`select ${u1}::int as user_id`, monday);
    // An id that is no user: the insert fails after the delete of u1 ran in the same statement.
    const failing = sql<{ user_id: number }>`select -1 as user_id`;
    await expect(replaceListMembers(k, list.id, failing, tuesday)).rejects.toThrow(/foreign key/i);
    expect((await listMembers(k, list.id)).map((m) => m.user_id)).toEqual([u1]);
    expect(await membershipEvents(k, list.id)).toHaveLength(1);
  });
});
