import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { aCsm, anAccount, responses } from '../fixtures/report-instance.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Max manages Xia; Zoe is on her own; Xia's account answered 10, 10, 10, 10, 0 last month. */
async function setUp(k: Kysely<Database>) {
  const max = await aCsm(k, 'Max');
  const xia = await aCsm(k, 'Xia', max);
  const zoe = await aCsm(k, 'Zoe');
  await anAccount(k, { owners: [{ csm: xia }], users: ['x@x.example'] });
  const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 10, 9)).toISOString();
  await responses(k, [10, 10, 10, 10, 0].map((score) => ['x@x.example', score, lastMonth] as [string, number, string]));
  const tokens = await createRoleTokens(k, max.id);
  const zoeToken = (await createApiToken(k, { name: "Zoe's token", role: 'csm', csmId: zoe.id })).token;
  app = await createTestApi(k);
  const server = app;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: object, headers: Record<string, string> = {}) =>
    server.inject({ method, url, headers: { ...bearer(token), ...(payload ? { 'content-type': 'application/json' } : {}), ...headers }, ...(payload ? { payload } : {}) });
  return { app: server, tokens, zoeToken, send, max, xia, zoe };
}

const xiaGoal = (csm: string) => ({ name: 'Xia at least 30', scope: { kind: 'csm', csm }, period: 'month', target: { kind: 'at_least', nps: 30 } });

describeEachBackend('goals API', (db) => {
  it('lets admins set goals, admins and CSMs read them, and nobody else', async () => {
    const { app, tokens } = await setUp(db().kysely);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/goals' }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/goals/status' }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: '/goals', headers: { 'content-type': 'application/json' }, payload: {} }, ['admin']);
    await expectRefusedUnlessRole(app, tokens, { method: 'PUT', url: '/goals/1', headers: { 'content-type': 'application/json' }, payload: {} }, ['admin']);
    await expectRefusedUnlessRole(app, tokens, { method: 'DELETE', url: '/goals/1' }, ['admin']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/goals/1/versions' }, ['admin']);
  });

  it('creates, changes and removes a goal, keeping every version and refusing a stale change', async () => {
    const { send, tokens, xia } = await setUp(db().kysely);
    const created = await send('POST', '/goals', tokens.admin, xiaGoal(xia.external_id));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const goal = created.json();
    expect(goal).toMatchObject({ name: 'Xia at least 30', version: 1, createdBy: 'test admin', definition: xiaGoal(xia.external_id) });

    expect((await send('POST', '/goals', tokens.admin, xiaGoal(xia.external_id))).json().error.code).toBe('goal_exists');
    const changed = await send('PUT', `/goals/${goal.id}`, tokens.admin, { ...xiaGoal(xia.external_id), target: { kind: 'at_least', nps: 40 } }, { 'if-match': '"1"' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ version: 2, definition: { target: { nps: 40 } } });
    const stale = await send('PUT', `/goals/${goal.id}`, tokens.admin, xiaGoal(xia.external_id), { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('version_conflict');
    expect((await send('DELETE', `/goals/${goal.id}`, tokens.admin)).json()).toMatchObject({ version: 3 });
    expect((await send('GET', `/goals/${goal.id}`, tokens.admin)).statusCode).toBe(404);
    const versions = (await send('GET', `/goals/${goal.id}/versions`, tokens.admin)).json().versions;
    expect(versions.map((v: { version: number; change: string; definition: { target: { nps: number } } }) => [v.version, v.change, v.definition.target.nps])).toEqual([
      [1, 'created', 30],
      [2, 'updated', 40],
      [3, 'removed', 40],
    ]);
    // The name is free again.
    expect((await send('POST', '/goals', tokens.admin, xiaGoal(xia.external_id))).statusCode).toBe(201);
  });

  it('says what is wrong with a goal, at its path', async () => {
    const { send, tokens } = await setUp(db().kysely);
    const issuesOf = async (payload: object) => {
      const response = await send('POST', '/goals', tokens.admin, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      return response.json().error.issues;
    };
    expect(await issuesOf(xiaGoal('nobody'))).toEqual([{ path: 'body.scope.csm', message: 'no CSM with external id "nobody" is known to this instance' }]);
    expect((await issuesOf({ ...xiaGoal('x'), target: { kind: 'at_least', nps: 130 } }))[0].path).toBe('body.target.nps');
    expect((await issuesOf({ ...xiaGoal('x'), target: { kind: 'improve_by', points: 0 } }))[0]).toEqual({ path: 'body.target.points', message: 'must be above 0' });
    expect((await issuesOf({ ...xiaGoal('x'), scope: { kind: 'region' } }))[0].path).toBe('body.scope.kind');
    expect((await issuesOf({ ...xiaGoal('x'), period: 'day' }))[0].path).toBe('body.period');
    expect((await issuesOf({ ...xiaGoal('x'), extra: 1 }))[0].path).toBe('body');
  });

  it('shows each reader the goals of their reach, with where they stand', async () => {
    const { send, tokens, zoeToken, xia, max } = await setUp(db().kysely);
    await send('POST', '/goals', tokens.admin, xiaGoal(xia.external_id));
    await send('POST', '/goals', tokens.admin, { name: 'Company +5', scope: { kind: 'company' }, period: 'quarter', target: { kind: 'improve_by', points: 5 } });
    await send('POST', '/goals', tokens.admin, { name: "Max's team at least 0", scope: { kind: 'team', csm: max.external_id }, period: 'month', target: { kind: 'at_least', nps: 0 } });
    const names = async (token: string) => (await send('GET', '/goals', token)).json().goals.map((g: { name: string }) => g.name);
    expect(await names(tokens.admin)).toEqual(['Company +5', "Max's team at least 0", 'Xia at least 30']);
    expect(await names(tokens.csm)).toEqual(['Company +5', "Max's team at least 0", 'Xia at least 30']);
    expect(await names(zoeToken)).toEqual(['Company +5']);

    const status = (await send('GET', '/goals/status', tokens.csm)).json();
    const xiaStatus = status.goals.find((g: { goal: { name: string } }) => g.goal.name === 'Xia at least 30');
    expect(xiaStatus.scopeLabel).toBe('Xia');
    expect(xiaStatus.periods).toHaveLength(12);
    // Last month: 4 promoters and a detractor, NPS 60, five responses: met.
    expect(xiaStatus.periods.at(-2)).toMatchObject({ status: 'met', n: 5, nps: 60, target: 30 });
    expect(xiaStatus.periods.at(-1)).toMatchObject({ status: 'not_enough_responses', n: 0, period: { partial: true } });
    const team = status.goals.find((g: { goal: { name: string } }) => g.goal.name === "Max's team at least 0");
    expect(team.scopeLabel).toBe("Max's team");
    const bad = await send('GET', '/goals/status?from=2026-05-01&to=2026-01-01', tokens.admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('querystring.to');
  });

  it('is in the OpenAPI document', async () => {
    const { send, tokens } = await setUp(db().kysely);
    const document = (await send('GET', '/openapi.json', tokens.admin)).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/goals', '/goals/status', '/goals/{id}', '/goals/{id}/versions']));
    expect(document.paths['/goals'].post.tags).toEqual(['goals']);
    expect(document.paths['/goals/{id}'].put.responses['409']).toBeDefined();
  });
});
