import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { npsMarginOfError } from '../../nps/margin-of-error.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

/** Noon UTC on the 10th, `back` months before this month. */
const monthsAgo = (back: number) => DateTime.utc().startOf('month').minus({ months: back }).plus({ days: 9, hours: 12 }).toJSDate();

/**
 * Acme (its CSM's): ann answers 10 three months ago and 3 last month, bob 9 last month, cy never;
 * Globex (another CSM's): gil answers 0 this month.
 */
async function seedInstance(k: Kysely<Database>) {
  const acme = await seedAccount(k, { accountName: 'Acme', users: ['ann@acme.example', 'bob@acme.example', 'cy@acme.example'] });
  const globex = await seedAccount(k, { accountName: 'Globex', users: ['gil@globex.example'] });
  await storeBatch(k, 'csv', [
    validItem({ email: 'ann@acme.example', score: 10, respondedAt: monthsAgo(3), comment: 'great' }),
    validItem({ email: 'ann@acme.example', score: 3, respondedAt: monthsAgo(1), comment: 'export broke' }),
    validItem({ email: 'bob@acme.example', score: 9, respondedAt: monthsAgo(1) }),
    validItem({ email: 'gil@globex.example', score: 0, respondedAt: new Date(Date.now() - 60_000) }),
  ], new Date());
  return { acme, globex };
}

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(k: Kysely<Database>) {
  const seeded = await seedInstance(k);
  const tokens = await createRoleTokens(k, seeded.acme.csm.id);
  app = await createTestApi(k);
  const server = app;
  const get = async (url: string, token: string = tokens.admin) => server.inject({ method: 'GET', url, headers: bearer(token) });
  return { ...seeded, tokens, app: server, get };
}

describeEachBackend("an account page's data", (db) => {
  it('lets admins and CSMs read it, and nobody else; a CSM reads only the accounts it sees', async () => {
    const { app, tokens, acme, globex, get } = await setUp(db().kysely);
    for (const path of ['users', 'responses', 'nps/trend']) {
      await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/accounts/${acme.accountId}/${path}` }, ['admin', 'csm']);
      expect((await get(`/accounts/${acme.accountId}/${path}`, tokens.csm)).statusCode).toBe(200);
      const refused = await get(`/accounts/${globex.accountId}/${path}`, tokens.csm);
      expect(refused.statusCode, path).toBe(404);
      expect(refused.json().error.code).toBe('not_found');
    }
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/accounts/nps/trend' }, ['admin', 'csm']);
  });

  it("lists the account's users by email with their latest score, null for one who never answered", async () => {
    const { acme, get } = await setUp(db().kysely);
    const body = (await get(`/accounts/${acme.accountId}/users`)).json();
    expect(body.users.map((user: { email: string; latestResponse: unknown }) => [user.email, user.latestResponse])).toEqual([
      ['ann@acme.example', { score: 3, category: 'detractor', respondedAt: monthsAgo(1).toISOString() }],
      ['bob@acme.example', { score: 9, category: 'promoter', respondedAt: monthsAgo(1).toISOString() }],
      ['cy@acme.example', null],
    ]);
    expect(body.page).toEqual({ offset: 0, limit: 100, total: 3, nextOffset: null });
    const paged = (await get(`/accounts/${acme.accountId}/users?limit=2`)).json();
    expect(paged.page.nextOffset).toBe(2);
    expect((await get(`/accounts/${acme.accountId}/users?limit=2&offset=2`)).json().users.map((user: { email: string }) => user.email)).toEqual(['cy@acme.example']);
  });

  it('lists the responses newest first by response date, page by page through the cursor', async () => {
    const { acme, get } = await setUp(db().kysely);
    const all = (await get(`/accounts/${acme.accountId}/responses`)).json();
    expect(all.nextCursor).toBeNull();
    expect(all.responses.map((r: { score: number; user: { email: string }; comment: string | null; source: string; category: string }) => [r.user.email, r.score, r.category, r.comment, r.source])).toEqual([
      // Two answers at the same instant: the later id first.
      ['bob@acme.example', 9, 'promoter', null, 'csv'],
      ['ann@acme.example', 3, 'detractor', 'export broke', 'csv'],
      ['ann@acme.example', 10, 'promoter', 'great', 'csv'],
    ]);
    const pages: number[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { responses: { id: number }[]; nextCursor: string | null } = (
        await get(`/accounts/${acme.accountId}/responses?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      pages.push(page.responses.map((r) => r.id));
      cursor = page.nextCursor;
    }
    expect(pages).toEqual(all.responses.map((r: { id: number }) => [r.id]));
    const bad = await get(`/accounts/${acme.accountId}/responses?cursor=nonsense`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('querystring.cursor');
  });

  it("gives the monthly trend as the report engine counts it: the same cells as /reports/nps by account by month", async () => {
    const { acme, get } = await setUp(db().kysely);
    const trend = (await get(`/accounts/${acme.accountId}/nps/trend?months=4`)).json();
    expect(trend.months).toHaveLength(4);
    expect(trend.months.at(-1).partial).toBe(true);
    expect(trend.cells.map((cell: { n: number; nps: number | null }) => [cell.n, cell.nps])).toEqual([[1, 100], [0, null], [2, 0], [0, null]]);
    expect(trend.cells[2]).toMatchObject({ promoters: 1, passives: 0, detractors: 1, flag: 'not_enough_responses' });
    expect(trend.cells[2].marginOfError).toBeCloseTo(npsMarginOfError({ promoters: 1, passives: 0, detractors: 1 })!.margin, 9);

    const from = trend.months[0].start.slice(0, 10);
    const report = (await get(`/reports/nps?by=account&period=month&from=${from}`)).json();
    const row = report.rows.find((candidate: { key: string }) => candidate.key === String(acme.accountId));
    expect(row.cells.map(({ changeFromPrevious: _ignored, ...cell }: Record<string, unknown>) => cell)).toEqual(trend.cells);

    const defaults = (await get(`/accounts/${acme.accountId}/nps/trend`)).json();
    expect(defaults.months).toHaveLength(12);
  });

  it("gives every visible account's monthly points in one answer for the grid's sparklines", async () => {
    const { acme, globex, tokens, get } = await setUp(db().kysely);
    const admin = (await get('/accounts/nps/trend')).json();
    expect(admin.months).toHaveLength(6);
    expect(admin.accounts).toEqual([
      { accountId: acme.accountId, nps: [null, null, 100, null, 0, null], n: [0, 0, 1, 0, 2, 0] },
      { accountId: globex.accountId, nps: [null, null, null, null, null, -100], n: [0, 0, 0, 0, 0, 1] },
    ]);
    const csm = (await get('/accounts/nps/trend?months=2', tokens.csm)).json();
    expect(csm.accounts).toEqual([{ accountId: acme.accountId, nps: [0, null], n: [2, 0] }]);
    expect((await get('/accounts/nps/trend?months=0')).statusCode).toBe(400);
  });

  it("filters tasks to one account's or one user's, within what the caller sees", async () => {
    const k = db().kysely;
    const { acme, tokens, get } = await setUp(k);
    const mine = await seedEnrolledDetractor(k, { accountName: 'Mine' });
    const other = await seedEnrolledDetractor(k, { accountName: 'Other' });
    // Mine passes to the csm token's CSM, with its task.
    await k.updateTable('accounts').set({ csm_id: acme.csm.id }).where('id', '=', mine.accountId).execute();
    const myTask = await seedTask(k, mine, { assigneeCsmId: acme.csm.id });
    const otherTask = await seedTask(k, other);
    const ids = (body: { tasks: { id: number }[] }) => body.tasks.map((task) => task.id);
    expect(ids((await get(`/tasks?accountId=${mine.accountId}`)).json())).toEqual([myTask!.id]);
    expect(ids((await get(`/tasks?userId=${other.user.id}`)).json())).toEqual([otherTask!.id]);
    expect(ids((await get(`/tasks?accountId=${mine.accountId}`, tokens.csm)).json())).toEqual([myTask!.id]);
    expect(ids((await get(`/tasks?accountId=${other.accountId}`, tokens.csm)).json())).toEqual([]);
    expect(ids((await get(`/tasks?userId=${other.user.id}`, tokens.csm)).json())).toEqual([]);
  });

  it('describes every route it added in the OpenAPI document', async () => {
    const { get } = await setUp(db().kysely);
    const document = (await get('/openapi.json')).json();
    for (const path of ['/accounts/nps/trend', '/accounts/{id}/nps/trend', '/accounts/{id}/users', '/accounts/{id}/responses', '/users/{id}/lists']) {
      expect(document.paths[path].get.summary, path).toEqual(expect.any(String));
    }
    expect(document.paths['/tasks'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['accountId', 'userId']));
  });
});
