import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { aCsm, anAccount, responses } from '../fixtures/report-instance.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Max manages Xia and Yan; Zoe is on her own. March: Xia 10; Yan 0, 0, 0, 10; Zoe 9. */
async function setUp(k: Kysely<Database>) {
  const max = await aCsm(k, 'Max');
  const xia = await aCsm(k, 'Xia', max);
  const yan = await aCsm(k, 'Yan', max);
  const zoe = await aCsm(k, 'Zoe');
  await anAccount(k, { owners: [{ csm: xia }], users: ['x1@x.example'], segment: '=HYPERLINK("http://evil.example")' });
  await anAccount(k, { owners: [{ csm: yan }], users: ['y1@y.example', 'y2@y.example', 'y3@y.example', 'y4@y.example'] });
  await anAccount(k, { owners: [{ csm: zoe }], users: ['z1@z.example'] });
  const march = '2026-03-10T09:00:00Z';
  await responses(k, [
    ['x1@x.example', 10, march],
    ['y1@y.example', 0, march],
    ['y2@y.example', 0, march],
    ['y3@y.example', 0, march],
    ['y4@y.example', 10, march],
    ['z1@z.example', 9, march],
  ]);
  const tokens = await createRoleTokens(k, max.id);
  app = await createTestApi(k);
  const server = app;
  const get = (url: string, token: string = tokens.admin) => server.inject({ method: 'GET', url, headers: bearer(token) });
  return { app: server, tokens, get, max, xia, yan, zoe };
}

const MARCH = 'from=2026-03-01&to=2026-03-31';

describeEachBackend('reports API', (db) => {
  it('lets admins and CSMs read reports, and nobody else', async () => {
    const { app, tokens } = await setUp(db().kysely);
    for (const url of ['/reports/nps', '/reports/nps.csv']) await expectRefusedUnlessRole(app, tokens, { method: 'GET', url }, ['admin', 'csm']);
  });

  it('answers NPS by CSM by month; a manager sees their team and the company total', async () => {
    const { get, tokens, max } = await setUp(db().kysely);
    const admin = (await get(`/reports/nps?by=csm&period=month&${MARCH}`)).json();
    expect(admin).toMatchObject({ by: 'csm', period: 'month', timeZone: 'UTC', counting: 'every_response', minimumResponses: 5 });
    expect(admin.periods).toEqual([{ key: '2026-03', label: 'Mar 2026', start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z', partial: false }]);
    expect(admin.rows.map((r: { label: string; cells: { n: number; nps: number | null; flag: string | null }[] }) => [r.label, r.cells[0]!.n, r.cells[0]!.nps, r.cells[0]!.flag])).toEqual([
      ['Max', 0, null, 'no_responses'],
      ['Xia', 1, 100, 'not_enough_responses'],
      ['Yan', 4, -50, 'not_enough_responses'],
      ['Zoe', 1, 100, 'not_enough_responses'],
    ]);
    expect(admin.rows[0].csm).toEqual({ id: max.id, externalId: max.external_id, name: 'Max', email: max.email });
    expect(admin.total.cells[0]).toMatchObject({ n: 6, promoters: 3, detractors: 3, nps: 0, flag: null });

    const manager = (await get(`/reports/nps?${MARCH}`, tokens.csm)).json();
    expect(manager.rows.map((r: { label: string }) => r.label)).toEqual(['Max', 'Xia', 'Yan']);
    expect(manager.total.cells[0].n).toBe(6);
    const teams = (await get(`/reports/nps?by=team&period=quarter&${MARCH}&minimum=2&compare=none`, tokens.csm)).json();
    expect(teams.rows.map((r: { label: string; cells: { n: number; nps: number }[] }) => [r.label, r.cells[0]!.n, r.cells[0]!.nps])).toEqual([["Max's team", 5, -20]]);
    expect(teams.rows[0].cells[0]).not.toHaveProperty('changeFromPrevious');
  });

  it('says which parameter is wrong, and how', async () => {
    const { get } = await setUp(db().kysely);
    const issuesOf = async (query: string) => {
      const response = await get(`/reports/nps?${query}`);
      expect(response.statusCode, query).toBe(400);
      return response.json().error.issues;
    };
    expect(await issuesOf('by=account_attribute')).toEqual([{ path: 'querystring.attribute', message: 'is required with by=account_attribute: a JSON path such as $.plan' }]);
    expect(await issuesOf('by=segment&attribute=$.plan')).toEqual([{ path: 'querystring.attribute', message: 'is only for by=account_attribute or by=user_attribute' }]);
    expect(await issuesOf('by=user_attribute&attribute=plan')).toEqual([{ path: 'querystring.attribute', message: expect.stringContaining('such as $.plan') }]);
    expect(await issuesOf('compare=previous,last_week')).toEqual([{ path: 'querystring.compare', message: 'expected previous, year_before or none, got "last_week"' }]);
    expect((await issuesOf('period=day'))[0].path).toBe('querystring.period');
    expect((await issuesOf('by=planet'))[0].path).toBe('querystring.by');
    expect(await issuesOf('from=2026-03-01&to=2026-01-31')).toEqual([{ path: 'querystring.to', message: expect.stringContaining('ends before it starts') }]);
    expect(await issuesOf('period=week&from=2000-01-01&to=2026-01-01')).toEqual([{ path: 'querystring.from', message: expect.stringContaining('more than 600 weeks') }]);
  });

  it('sends the same report as CSV over a real socket, formulas defused', async () => {
    const { app, tokens, get } = await setUp(db().kysely);
    const json = (await get(`/reports/nps?by=segment&${MARCH}`)).json();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/reports/nps.csv?by=segment&${MARCH}`, { headers: bearer(tokens.admin) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="nps-by-segment-by-month.csv"');
    const lines: Record<string, string>[] = parse(await response.text(), { columns: true });
    expect(lines.map((l) => [l.key, l.label, l.period, l.n, l.nps, l.flag])).toEqual([
      ["'=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")", '2026-03', '1', '100', 'not_enough_responses'],
      ["'=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")", 'total', '1', '100', 'not_enough_responses'],
      ['', '(no segment)', '2026-03', '5', '-20', ''],
      ['', '(no segment)', 'total', '5', '-20', ''],
      ['', 'Company', '2026-03', '6', '0', ''],
      ['', 'Company', 'total', '6', '0', ''],
    ]);
    expect(Number(lines[2]!.margin_of_error)).toBeCloseTo(json.rows[1].cells[0].marginOfError, 9);
    expect(lines[0]).toMatchObject({ dimension: 'segment', period_start: '2026-03-01T00:00:00.000Z', period_end: '2026-04-01T00:00:00.000Z', partial: 'false' });
  });

  it('is in the OpenAPI document', async () => {
    const { get } = await setUp(db().kysely);
    const document = (await get('/openapi.json')).json();
    for (const path of ['/reports/nps', '/reports/nps.csv']) {
      expect(document.paths[path].get.tags).toEqual(['reports']);
      const parameters = document.paths[path].get.parameters.map((p: { name: string }) => p.name);
      expect(parameters).toEqual(expect.arrayContaining(['by', 'attribute', 'period', 'from', 'to', 'counting', 'minimum', 'compare', 'distribution']));
    }
  });
});
