import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { installDefaultRules } from '../../activities/install-default-rules.ts';
import { refreshAccountHealth } from '../../health/refresh-account-health.ts';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { refreshStandardSnapshots } from '../../db/queries/account-nps.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { npsMarginOfError } from '../../nps/margin-of-error.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
const settings = () => ({ now: new Date(), timeZone: 'UTC', counting: 'every_response' as const });

/**
 * Three accounts in the last 30 days: Acme 10, 9, 7, 2 (NPS 25; csv and delighted), Globex one
 * 10 (NPS 100), Initech no responses. Acme and Initech belong to Acme's CSM, Globex to another.
 */
async function seedInstance(k: Kysely<Database>) {
  const acme = await seedAccount(k, { accountName: 'Acme', segment: 'enterprise', users: ['a1@acme.example', 'a2@acme.example', 'a3@acme.example', 'a4@acme.example'] });
  const globex = await seedAccount(k, { accountName: 'Globex', users: ['g1@globex.example'] });
  const initech = await seedAccount(k, { accountName: 'Initech', users: ['i1@initech.example'] });
  await k.updateTable('accounts').set({ csm_id: acme.csm.id }).where('id', '=', initech.accountId).execute();
  await storeBatch(k, 'csv', [
    validItem({ email: 'a1@acme.example', score: 10, respondedAt: daysAgo(5) }),
    validItem({ email: 'a2@acme.example', score: 9, respondedAt: daysAgo(4) }),
    validItem({ email: 'a3@acme.example', score: 7, respondedAt: daysAgo(3) }),
    validItem({ email: 'g1@globex.example', score: 10, respondedAt: daysAgo(2) }),
    // Outside the last 30 days: counts in year_to_date only when the year is old enough.
    validItem({ email: 'a4@acme.example', score: 0, respondedAt: daysAgo(45) }),
  ], new Date());
  await storeBatch(k, 'delighted', [validItem({ email: 'a4@acme.example', score: 2, respondedAt: daysAgo(1) })], new Date());
  return { acme, globex, initech };
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

const names = (body: { accounts: { account: { name: string } }[] }) => body.accounts.map((row) => row.account.name);

describeEachBackend('accounts API', (db) => {
  it('lets admins and CSMs read accounts, and nobody else', async () => {
    const { app, tokens, acme } = await setUp(db().kysely);
    for (const url of ['/accounts/nps', `/accounts/${acme.accountId}/nps`, `/accounts/${acme.accountId}/health`]) {
      await expectRefusedUnlessRole(app, tokens, { method: 'GET', url }, ['admin', 'csm']);
    }
  });

  it('computes each account in the grid from its responses, with null NPS for none', async () => {
    const { get } = await setUp(db().kysely);
    const response = await get('/accounts/nps?window=last_30_days');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.window).toMatchObject({ key: 'last_30_days', label: 'Last 30 days' });
    expect(body.page).toEqual({ offset: 0, limit: 100, total: 3, nextOffset: null });
    const [acme, globex, initech] = body.accounts;
    expect(acme).toMatchObject({
      account: { name: 'Acme', segment: 'enterprise', csm: { email: expect.stringContaining('@cs.example') } },
      promoters: 2,
      passives: 1,
      detractors: 1,
      total: 4,
      nps: 25,
      sources: ['csv', 'delighted'],
    });
    expect(acme.marginOfError).toBeCloseTo(npsMarginOfError({ promoters: 2, passives: 1, detractors: 1 })!.margin, 9);
    expect(new Date(acme.lastResponseAt).getTime()).toBeCloseTo(daysAgo(1).getTime(), -4);
    expect(acme.lastSyncedAt).not.toBeNull();
    expect(globex).toMatchObject({ account: { name: 'Globex' }, promoters: 1, total: 1, nps: 100, sources: ['csv'] });
    expect(initech).toMatchObject({
      account: { name: 'Initech' },
      total: 0,
      nps: null,
      marginOfError: null,
      sources: [],
      lastResponseAt: null,
      lastSyncedAt: null,
    });
  });

  it('sorts by each key, puts accounts without responses last, and pages stably', async () => {
    const k = db().kysely;
    const { get } = await setUp(k);
    // Four more accounts with the same figures as Globex but older: ties are ordered by name, then id.
    const sixDaysAgo = daysAgo(6);
    for (const name of ['Umbrella', 'Hooli', 'Umbrella', 'Cyberdyne']) {
      const extra = await seedAccount(k, { accountName: name });
      await storeBatch(k, 'csv', [validItem({ email: extra.users[0]!.email, score: 9, respondedAt: sixDaysAgo })], new Date());
    }
    const grid = async (query: string) => (await get(`/accounts/nps?window=last_30_days&${query}`)).json();

    expect(names(await grid('sort=nps'))).toEqual(['Cyberdyne', 'Globex', 'Hooli', 'Umbrella', 'Umbrella', 'Acme', 'Initech']);
    expect(names(await grid('sort=nps&order=asc'))).toEqual(['Acme', 'Cyberdyne', 'Globex', 'Hooli', 'Umbrella', 'Umbrella', 'Initech']);
    expect(names(await grid('sort=responses'))[0]).toBe('Acme');
    expect(names(await grid('sort=name&order=desc'))).toEqual(['Umbrella', 'Umbrella', 'Initech', 'Hooli', 'Globex', 'Cyberdyne', 'Acme']);
    expect(names(await grid('sort=margin&order=asc'))).toEqual(['Acme', 'Cyberdyne', 'Globex', 'Hooli', 'Umbrella', 'Umbrella', 'Initech']);
    expect(names(await grid('sort=last_response'))).toEqual(['Acme', 'Globex', 'Cyberdyne', 'Hooli', 'Umbrella', 'Umbrella', 'Initech']);

    const all = await grid('sort=nps');
    const pages = [];
    let next: number | null = 0;
    while (next !== null) {
      const page = await grid(`sort=nps&limit=2&offset=${next}`);
      expect(page.page.total).toBe(7);
      pages.push(...page.accounts);
      next = page.page.nextOffset;
    }
    expect(pages.map((row) => row.account.id)).toEqual(all.accounts.map((row: { account: { id: number } }) => row.account.id));
    expect(new Set(pages.map((row) => row.account.id)).size).toBe(7);
    expect((await grid('limit=2&offset=50')).accounts).toEqual([]);
  });

  it('filters the grid by segment and by CSM, by id or email', async () => {
    const { get, acme } = await setUp(db().kysely);
    expect(names((await get('/accounts/nps?segment=enterprise')).json())).toEqual(['Acme']);
    expect(names((await get(`/accounts/nps?csm=${acme.csm.id}`)).json())).toEqual(['Acme', 'Initech']);
    expect(names((await get(`/accounts/nps?csm=${encodeURIComponent(acme.csm.email.toUpperCase())}`)).json())).toEqual(['Acme', 'Initech']);
  });

  it('reads standard windows from current snapshots, and computes live when an account has none', async () => {
    const k = db().kysely;
    const { get, acme } = await setUp(k);
    const snapshotAt = new Date(Date.now() - 1000);
    await refreshStandardSnapshots(k, 'all', { ...settings(), now: snapshotAt });
    // A response the snapshots have not seen yet.
    await storeBatch(k, 'csv', [validItem({ email: 'a1@acme.example', score: 0, respondedAt: daysAgo(1) })], new Date());
    const fromSnapshots = (await get('/accounts/nps?window=last_30_days')).json();
    const acmeRow = fromSnapshots.accounts.find((row: { account: { id: number } }) => row.account.id === acme.accountId);
    expect(acmeRow.computedAt).toBe(snapshotAt.toISOString());

    // An account synced since the refresh has no snapshot: the whole grid is computed now.
    await seedAccount(k, { accountName: 'Newco' });
    const live = (await get('/accounts/nps?window=last_30_days')).json();
    const liveAcme = live.accounts.find((row: { account: { id: number } }) => row.account.id === acme.accountId);
    expect(liveAcme.total).toBe(acmeRow.total + 1);
    expect(new Date(liveAcme.computedAt).getTime()).toBeGreaterThan(snapshotAt.getTime());
    expect(names(live)).toContain('Newco');

    // Custom windows are always computed now.
    const custom = (await get(`/accounts/nps?from=${daysAgo(3).toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}`)).json();
    expect(custom.window.key).toMatch(/^custom_/);
    expect(custom.accounts.find((row: { account: { id: number } }) => row.account.id === acme.accountId).total).toBeGreaterThan(0);
  });

  it("gives an account's NPS per window: every standard window by default, or those asked for", async () => {
    const { get, acme, initech } = await setUp(db().kysely);
    const all = (await get(`/accounts/${acme.accountId}/nps`)).json();
    expect(all.account).toMatchObject({ id: acme.accountId, name: 'Acme' });
    expect(all.windows.map((w: { window: { key: string } }) => w.window.key)).toEqual([
      'this_month', 'last_month', 'this_quarter', 'last_quarter', 'last_30_days', 'last_90_days', 'year_to_date',
    ]);
    expect(all.windows.find((w: { window: { key: string } }) => w.window.key === 'last_90_days')).toMatchObject({
      promoters: 2, passives: 1, detractors: 2, total: 5, nps: 0,
    });

    const asked = (await get(`/accounts/${acme.accountId}/nps?window=last_30_days&window=last_7_days,last_90_days`)).json();
    expect(asked.windows.map((w: { window: { key: string }; total: number }) => [w.window.key, w.total])).toEqual([
      ['last_30_days', 4], ['last_7_days', 4], ['last_90_days', 5],
    ]);

    const from = daysAgo(50).toISOString().slice(0, 10);
    const to = daysAgo(40).toISOString().slice(0, 10);
    const custom = (await get(`/accounts/${acme.accountId}/nps?from=${from}&to=${to}`)).json();
    expect(custom.windows).toMatchObject([{ window: { key: `custom_${from}_${to}`, label: `${from} to ${to}` }, detractors: 1, total: 1, nps: -100 }]);

    const quiet = (await get(`/accounts/${initech.accountId}/nps?window=ytd`)).json();
    expect(quiet.windows).toMatchObject([{ window: { key: 'year_to_date' }, total: 0, nps: null, marginOfError: null }]);
  });

  it('refuses bad windows and paging with a 400 naming the parameter', async () => {
    const { get, acme } = await setUp(db().kysely);
    const issues = async (url: string) => {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
      return response.json().error.issues as { path: string; message: string }[];
    };
    expect(await issues(`/accounts/${acme.accountId}/nps?window=fortnight`)).toMatchObject([
      { path: 'querystring.window', message: expect.stringContaining('unknown NPS window key "fortnight"') },
    ]);
    expect(await issues(`/accounts/${acme.accountId}/nps?from=2026-02-01&to=2026-01-01`)).toMatchObject([
      { path: 'querystring.to', message: expect.stringContaining('is empty') },
    ]);
    expect(await issues(`/accounts/${acme.accountId}/nps?from=yesterday&to=2026-01-01`)).toMatchObject([{ path: 'querystring.from' }]);
    expect(await issues(`/accounts/${acme.accountId}/nps?from=2026-01-01`)).toMatchObject([{ path: 'querystring.to', message: expect.stringContaining('required') }]);
    // Mixed bounds can only be ordered in the instance's zone.
    expect(await issues(`/accounts/${acme.accountId}/nps?from=2026-01-02T00:00&to=2026-01-01T12:00Z`)).toMatchObject([{ path: 'querystring.to' }]);
    expect(await issues('/accounts/nps?window=this_month,last_month')).toMatchObject([{ path: 'querystring.window' }]);
    expect(await issues('/accounts/nps?limit=5001')).toMatchObject([{ path: 'querystring.limit' }]);
    expect(await issues('/accounts/nps?sort=happiness')).toMatchObject([{ path: 'querystring.sort' }]);
    expect(await issues('/accounts/nps?offset=-1')).toMatchObject([{ path: 'querystring.offset' }]);
    expect(await issues('/accounts/abc/nps')).toMatchObject([{ path: 'params.id' }]);
  });

  it("gives an account's Health 360 per dimension with its reasons and latest colour changes", async () => {
    const k = db().kysely;
    const { get, acme, globex } = await setUp(k);
    const before = (await get(`/accounts/${acme.accountId}/health`)).json();
    expect(before.dimensions).toEqual([
      { dimension: 'relationship', colour: null, reasons: [], rule: null, computedAt: null },
      { dimension: 'service', colour: null, reasons: [], rule: null, computedAt: null },
    ]);
    expect(before.changes).toEqual([]);

    await installDefaultRules(k);
    await refreshAccountHealth(k, 'all', { ...settings(), now: daysAgo(1) });
    await k.insertInto('tickets').values({ external_id: 't-1', account_id: globex.accountId, priority: 'critical', status: 'open', opened_at: daysAgo(1) }).execute();
    await refreshAccountHealth(k, 'all', settings());

    const acmeHealth = (await get(`/accounts/${acme.accountId}/health`)).json();
    expect(acmeHealth.account).toMatchObject({ id: acme.accountId, name: 'Acme' });
    const relationship = acmeHealth.dimensions.find((d: { dimension: string }) => d.dimension === 'relationship');
    expect(relationship).toMatchObject({ colour: 'red', rule: { name: 'relationship-health', version: 1 } });
    expect(relationship.reasons[0]).toBe('NPS over the last 90 days is below 0, or a detractor in the last 30 days');

    const globexHealth = (await get(`/accounts/${globex.accountId}/health?changes=2`)).json();
    expect(globexHealth.dimensions.find((d: { dimension: string }) => d.dimension === 'service').colour).toBe('red');
    expect(globexHealth.changes).toHaveLength(2);
    expect(globexHealth.changes[0]).toMatchObject({ dimension: 'service', from: 'green', to: 'red', rule: { name: 'service-health' } });
    expect(new Date(globexHealth.changes[0].changedAt).getTime()).toBeGreaterThan(new Date(globexHealth.changes[1].changedAt).getTime());

    // The grid carries each account's current colours, so a page of accounts needs no request per account.
    const grid = (await get('/accounts/nps')).json();
    const healthOf = (name: string) => grid.accounts.find((row: { account: { name: string } }) => row.account.name === name).health;
    expect(healthOf('Acme')).toContainEqual({ dimension: 'relationship', colour: 'red' });
    expect(healthOf('Globex')).toContainEqual({ dimension: 'service', colour: 'red' });
    expect(healthOf('Globex')).toEqual(globexHealth.dimensions.filter((d: { colour: string | null }) => d.colour !== null).map(({ dimension, colour }: { dimension: string; colour: string }) => ({ dimension, colour })));
  });

  it("shows a CSM their own accounts only, and another CSM's account as not found", async () => {
    const k = db().kysely;
    const { get, tokens, globex, acme } = await setUp(k);
    expect(names((await get('/accounts/nps', tokens.csm)).json())).toEqual(['Acme', 'Initech']);
    expect((await get(`/accounts/nps?csm=${globex.csm.id}`, tokens.csm)).json().accounts).toEqual([]);
    expect((await get(`/accounts/${acme.accountId}/nps?window=this_month`, tokens.csm)).statusCode).toBe(200);
    expect((await get(`/accounts/${acme.accountId}/health`, tokens.csm)).statusCode).toBe(200);
    for (const url of [`/accounts/${globex.accountId}/nps`, `/accounts/${globex.accountId}/health`, '/accounts/999999/nps', '/accounts/999999/health']) {
      const response = await get(url, tokens.csm);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    // The same 404 for an account that exists elsewhere and one that does not: nothing is revealed.
    const other = (await get(`/accounts/${globex.accountId}/nps`, tokens.csm)).json().error.message;
    expect(other).toBe(`account ${globex.accountId} was not found`);
  });

  it('describes the routes in the OpenAPI document under the accounts tag', async () => {
    const { get } = await setUp(db().kysely);
    const document = (await get('/openapi.json')).json();
    for (const path of ['/accounts/nps', '/accounts/{id}/nps', '/accounts/{id}/health']) {
      expect(document.paths[path].get.tags).toEqual(['accounts']);
    }
    const parameters = document.paths['/accounts/nps'].get.parameters.map((p: { name: string }) => p.name);
    expect(parameters).toEqual(expect.arrayContaining(['window', 'from', 'to', 'sort', 'order', 'limit', 'offset', 'segment', 'csm']));
  });
});
