import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { refreshLists } from '../../lists/refresh-lists.ts';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { createRule } from '../../db/queries/rules.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { aHealthRule, aLeaf, aListRule } from '../fixtures/rules.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
const settings = () => ({ now: new Date(), timeZone: 'UTC', counting: 'every_response' as const });

/**
 * Acme (our CSM's): ana answered 2, bo 10, dee never. Globex (another CSM's): cy answered 5.
 * "unhappy" (latest score below 7) holds ana and cy; "happy" (9 or more) holds bo.
 */
async function seedLists(k: Kysely<Database>) {
  const acme = await seedAccount(k, { accountName: 'Acme', users: ['ana@acme.example', 'bo@acme.example', 'dee@acme.example'] });
  const globex = await seedAccount(k, { accountName: 'Globex', users: ['cy@globex.example'] });
  await storeBatch(k, 'csv', [
    validItem({ email: 'ana@acme.example', score: 2, respondedAt: daysAgo(3) }),
    validItem({ email: 'bo@acme.example', score: 10, respondedAt: daysAgo(3) }),
    validItem({ email: 'cy@globex.example', score: 5, respondedAt: daysAgo(2) }),
  ], new Date());
  await createRule(k, aListRule({ name: 'unhappy', description: 'scored below 7 last time', conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 })] } }), { actor: 'test' });
  await createRule(k, aListRule({ name: 'happy', conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'greaterThanInclusive', value: 9 })] } }), { actor: 'test' });
  await createRule(k, aHealthRule({ name: 'service-colours' }), { actor: 'test' });
  await refreshLists(k, settings());
  const [ana, bo, dee] = acme.users as [typeof acme.users[0], typeof acme.users[0], typeof acme.users[0]];
  return { acme, globex, ana, bo, dee, cy: globex.users[0]! };
}

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(k: Kysely<Database>) {
  const seeded = await seedLists(k);
  const tokens = await createRoleTokens(k, seeded.acme.csm.id);
  app = await createTestApi(k);
  const server = app;
  const get = async (url: string, token: string = tokens.admin) => server.inject({ method: 'GET', url, headers: bearer(token) });
  return { ...seeded, tokens, app: server, get };
}

const emails = (body: { members: { user: { email: string } }[] }) => body.members.map((member) => member.user.email);

describeEachBackend('lists API', (db) => {
  it('lets admins and CSMs read lists, and nobody else', async () => {
    const { app, tokens, ana } = await setUp(db().kysely);
    for (const url of ['/lists', '/lists/unhappy/members', `/lists/unhappy/members/${ana.id}/explanation`]) {
      await expectRefusedUnlessRole(app, tokens, { method: 'GET', url }, ['admin', 'csm']);
    }
  });

  it('lists every list rule with its member count, and only lists', async () => {
    const { get } = await setUp(db().kysely);
    const response = await get('/lists');
    expect(response.statusCode).toBe(200);
    expect(response.json().lists).toEqual([
      { name: 'happy', description: null, enabled: true, version: 1, updatedAt: expect.any(String), members: 1 },
      { name: 'unhappy', description: 'scored below 7 last time', enabled: true, version: 1, updatedAt: expect.any(String), members: 2 },
    ]);
  });

  it("pages a list's members by email, each with why the rule holds for them", async () => {
    const { get, ana, acme } = await setUp(db().kysely);
    const body = (await get('/lists/unhappy/members')).json();
    expect(body.list).toMatchObject({ name: 'unhappy', description: 'scored below 7 last time' });
    expect(emails(body)).toEqual(['ana@acme.example', 'cy@globex.example']);
    expect(body.members[0]).toMatchObject({
      user: { id: ana.id, email: 'ana@acme.example', account: { id: acme.accountId, name: 'Acme' } },
      matches: true,
      explanation: { kind: 'all', evaluated: true, result: true, conditions: [{ kind: 'leaf', fact: 'latestScore', operator: 'lessThan', value: 7, factValue: 2, result: true }] },
    });
    expect(body.page).toEqual({ offset: 0, limit: 100, total: 2, nextOffset: null });

    const first = (await get('/lists/unhappy/members?limit=1&explain=false')).json();
    expect(emails(first)).toEqual(['ana@acme.example']);
    expect(first.members[0]).not.toHaveProperty('explanation');
    expect(first.page).toEqual({ offset: 0, limit: 1, total: 2, nextOffset: 1 });
    const second = (await get('/lists/unhappy/members?limit=1&offset=1')).json();
    expect(emails(second)).toEqual(['cy@globex.example']);
    expect(second.page.nextOffset).toBeNull();
  });

  it('explains why a user is or is not in a list, and says when the stored list is behind', async () => {
    const k = db().kysely;
    const { get, ana, bo, dee } = await setUp(k);
    const explain = async (userId: number) => (await get(`/lists/unhappy/members/${userId}/explanation`)).json();
    expect(await explain(ana.id)).toMatchObject({ list: { name: 'unhappy' }, user: { id: ana.id, email: 'ana@acme.example' }, matches: true, member: true });
    expect(await explain(bo.id)).toMatchObject({ matches: false, member: false, explanation: { conditions: [{ factValue: 10, result: false }] } });
    // A user who never answered: the unknown score satisfies no comparison.
    expect(await explain(dee.id)).toMatchObject({ matches: false, member: false, explanation: { conditions: [{ factValue: null, result: false }] } });

    await storeBatch(k, 'csv', [validItem({ email: 'ana@acme.example', score: 10, respondedAt: daysAgo(1) })], new Date());
    expect(await explain(ana.id)).toMatchObject({ matches: false, member: true });
    expect((await get('/lists/unhappy/members')).json().members[0]).toMatchObject({ user: { id: ana.id }, matches: false });
  });

  it('answers 404 for a list that does not exist or is another kind of rule, and 400 for bad paging', async () => {
    const { get, ana } = await setUp(db().kysely);
    for (const url of ['/lists/nope/members', '/lists/service-colours/members', `/lists/service-colours/members/${ana.id}/explanation`, '/lists/unhappy/members/999999/explanation']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    for (const [url, path] of [
      ['/lists/unhappy/members?limit=0', 'querystring.limit'],
      ['/lists/unhappy/members?limit=501', 'querystring.limit'],
      ['/lists/unhappy/members?offset=-2', 'querystring.offset'],
      ['/lists/unhappy/members?explain=perhaps', 'querystring.explain'],
      ['/lists/unhappy/members/abc/explanation', 'params.userId'],
    ] as const) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.issues).toMatchObject([{ path }]);
    }
  });

  it("shows a CSM only the members on their accounts, and another CSM's user as not found", async () => {
    const { get, tokens, ana, cy } = await setUp(db().kysely);
    expect((await get('/lists', tokens.csm)).json().lists.map((l: { name: string; members: number }) => [l.name, l.members])).toEqual([
      ['happy', 1],
      ['unhappy', 1],
    ]);
    const members = (await get('/lists/unhappy/members', tokens.csm)).json();
    expect(emails(members)).toEqual(['ana@acme.example']);
    expect(members.page.total).toBe(1);
    expect((await get(`/lists/unhappy/members/${ana.id}/explanation`, tokens.csm)).statusCode).toBe(200);
    const other = await get(`/lists/unhappy/members/${cy.id}/explanation`, tokens.csm);
    expect(other.statusCode).toBe(404);
    expect(other.json().error.message).toBe(`user ${cy.id} was not found`);
  });

  it('describes the routes in the OpenAPI document under the lists tag', async () => {
    const { get } = await setUp(db().kysely);
    const document = (await get('/openapi.json')).json();
    for (const path of ['/lists', '/lists/{name}/members', '/lists/{name}/members/{userId}/explanation']) {
      expect(document.paths[path].get.tags).toEqual(['lists']);
    }
  });

  it("gives the lists a user is in, each with why, and hides another CSM's user", async () => {
    const { app, tokens, ana, dee, cy, get } = await setUp(db().kysely);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/users/${ana.id}/lists` }, ['admin', 'csm']);
    const body = (await get(`/users/${ana.id}/lists`, tokens.csm)).json();
    expect(body.user).toMatchObject({ id: ana.id, email: 'ana@acme.example' });
    expect(body.lists).toHaveLength(1);
    expect(body.lists[0]).toMatchObject({
      list: { name: 'unhappy', description: 'scored below 7 last time' },
      matches: true,
      explanation: { kind: 'all', result: true, conditions: [{ kind: 'leaf', fact: 'latestScore', operator: 'lessThan', value: 7, factValue: 2, result: true }] },
    });
    const explained = (await get(`/lists/unhappy/members/${ana.id}/explanation`)).json();
    expect(body.lists[0].explanation).toEqual(explained.explanation);
    expect((await get(`/users/${dee.id}/lists`)).json().lists).toEqual([]);
    expect((await get(`/users/${cy.id}/lists`, tokens.csm)).statusCode).toBe(404);
    expect((await get(`/users/${cy.id}/lists`)).json().lists.map((entry: { list: { name: string } }) => entry.list.name)).toEqual(['unhappy']);
  });
});
