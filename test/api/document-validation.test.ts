import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { tableCounts } from '../helpers/table-counts.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(k: Kysely<Database>) {
  const { csm } = await seedAccount(k);
  const tokens = await createRoleTokens(k, csm.id);
  app = await createTestApi(k);
  const server = app;
  const post = (url: string, body: unknown) =>
    server.inject({ method: 'POST', url, headers: { ...bearer(tokens.admin), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const get = (url: string) => server.inject({ method: 'GET', url, headers: bearer(tokens.admin) });
  return { tokens, app: server, post, get };
}

const listRule = (fact: string, value: unknown = 3) => ({ kind: 'list', name: 'unhappy', conditions: { all: [{ fact, operator: 'lessThan', value }] } });

describeEachBackend('validating rules and journeys for an editor', (db) => {
  it('is for admins only', async () => {
    const { app, tokens } = await setUp(db().kysely);
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: '/rules/validate', payload: listRule('latestScore') }, ['admin']);
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: '/journeys/validate', payload: {} }, ['admin']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/rules/schema?kind=list' }, ['admin']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/journeys/schema' }, ['admin']);
  });

  it('answers each mistake of a rule at its path with the valid values and a suggestion, saving nothing', async () => {
    const { post } = await setUp(db().kysely);
    const wrong = await post('/rules/validate', { ...listRule('latestScor'), enabled: true, note: 'ignored' });
    expect(wrong.statusCode).toBe(200);
    const body = wrong.json();
    expect(body.valid).toBe(false);
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]).toMatchObject({ path: '$.conditions.all[0].fact', suggestion: 'latestScore' });
    expect(body.issues[0].validValues).toEqual(expect.arrayContaining(['latestScore', 'latestCategory', 'accountNps']));

    const enumValue = (await post('/rules/validate', { kind: 'list', name: 'x', conditions: { all: [{ fact: 'latestCategory', operator: 'equal', value: 'promotr' }] } })).json();
    expect(enumValue.issues).toEqual([{ path: '$.conditions.all[0].value', message: expect.any(String), validValues: ['promoter', 'passive', 'detractor'] }]);
    const kind = (await post('/rules/validate', { kind: 'lst', name: 'x' })).json();
    expect(kind.issues[0]).toMatchObject({ path: '$.kind', validValues: ['list', 'health', 'trigger'] });

    expect((await post('/rules/validate', listRule('latestScore'))).json()).toEqual({ valid: true, issues: [] });
    expect((await tableCounts(db().kysely)).rules).toBe(0);
  });

  it("answers a journey's mistakes the same way, its trigger's too", async () => {
    const { post } = await setUp(db().kysely);
    const body = (await post('/journeys/validate', { name: 'j', trigger: { all: [{ fact: 'categry', operator: 'equal', value: 'detractor' }] }, steps: { type: 'x' } })).json();
    expect(body.valid).toBe(false);
    expect(body.issues).toEqual([
      expect.objectContaining({ path: '$.trigger.all[0].fact', suggestion: 'category', validValues: expect.arrayContaining(['score', 'category']) }),
      expect.objectContaining({ path: '$.steps.type', validValues: ['review_request', 'detractor_follow_up'] }),
    ]);
  });

  it('serves JSON Schemas generated from the validating zod schemas, which accept valid documents and refuse wrong facts', async () => {
    const { get } = await setUp(db().kysely);
    const ajv = new Ajv2020({ strict: false, logger: false });
    const list = (await get('/rules/schema?kind=list')).json();
    const validList = ajv.compile(list);
    expect(validList(listRule('latestScore'))).toBe(true);
    expect(validList(listRule('latestScor'))).toBe(false);
    expect(validList({ ...listRule('latestScore'), extra: 1 })).toBe(false);
    const health = (await get('/rules/schema?kind=health')).json();
    expect(health.$defs.LeafCondition.properties.fact.enum).toContain('openTicketCount');
    expect((await get('/rules/schema?kind=nope')).statusCode).toBe(400);

    const journey = (await get('/journeys/schema')).json();
    const validJourney = ajv.compile(journey);
    const followUp = {
      name: 'follow-up',
      trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }] },
      steps: { type: 'detractor_follow_up', csmEmailTemplate: { subject: 's', text: 't' }, escalationEmailTemplate: { subject: 's', text: 't' } },
    };
    expect(validJourney(followUp)).toBe(true);
    expect(validJourney({ ...followUp, trigger: { all: [{ fact: 'latestScore', operator: 'equal', value: 1 }] } })).toBe(false);
  });

  it('describes its routes in the OpenAPI document', async () => {
    const { get } = await setUp(db().kysely);
    const document = (await get('/openapi.json')).json();
    for (const [path, method] of [['/rules/validate', 'post'], ['/rules/schema', 'get'], ['/journeys/validate', 'post'], ['/journeys/schema', 'get']] as const) {
      expect(document.paths[path][method].summary, path).toEqual(expect.any(String));
    }
    expect(document.components.schemas.DocumentValidation.properties.issues.items.properties).toHaveProperty('validValues');
  });

  it('refuses names that GET routes under /rules and /journeys take, so every rule and journey can be read by name', async () => {
    const { post } = await setUp(db().kysely);
    const rule = (await post('/rules/validate', { ...listRule('latestScore'), name: 'schema' })).json();
    expect(rule).toEqual({ valid: false, issues: [{ path: '$.name', message: expect.stringContaining('GET /rules/schema') }] });
    expect((await post('/rules', { ...listRule('latestScore'), name: 'schema' })).json().error).toMatchObject({ code: 'invalid_rule', issues: [{ path: '$.name' }] });
    const journey = (await post('/journeys/validate', { name: 'overview' })).json();
    expect(journey.issues).toContainEqual({ path: '$.name', message: expect.stringContaining('GET /journeys/overview') });
  });
});
