import type { InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { ruleHistory } from '../../db/queries/rules.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { MAX_CONDITION_DEPTH } from '../../rules/condition-schema.ts';
import type { RuleDefinition } from '../../rules/rule-schema.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { aHealthRule, aLeaf, aListRule, aTriggerRule, nestedConditions } from '../fixtures/rules.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

/** Two accounts with three respondents: ana (2, a detractor), bo (10) at Acme, cy (5) at Globex; dee never answered. */
async function seedRespondents(k: Kysely<Database>) {
  const acme = await seedAccount(k, { accountName: 'Acme', users: ['ana@acme.example', 'bo@acme.example', 'dee@acme.example'] });
  const globex = await seedAccount(k, { accountName: 'Globex', segment: 'enterprise', users: ['cy@globex.example'] });
  await storeBatch(
    k,
    'csv',
    [
      validItem({ email: 'ana@acme.example', score: 2, respondedAt: daysAgo(3), comment: 'slow' }),
      validItem({ email: 'bo@acme.example', score: 10, respondedAt: daysAgo(4) }),
      validItem({ email: 'cy@globex.example', score: 5, respondedAt: daysAgo(5) }),
    ],
    new Date(),
  );
  await k.insertInto('tickets').values({ external_id: 't-1', account_id: globex.accountId, priority: 'critical', status: 'open', opened_at: daysAgo(2) }).execute();
  return { acme, globex, csmId: acme.csm.id };
}

/** Rows per table a refused request must leave as they were. */
async function rowCounts(k: Kysely<Database>) {
  const counts: Record<string, number> = {};
  for (const table of ['rules', 'rule_versions', 'users', 'accounts', 'nps_responses', 'list_members', 'account_health', 'tickets'] as const) {
    const { n } = await k.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(n);
  }
  return counts;
}

const unhappyAdmins = (overrides: Partial<RuleDefinition & { kind: 'list' }> = {}) =>
  aListRule({
    name: 'unhappy-admins',
    conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 }), aLeaf({ fact: 'role', operator: 'equal', value: 'admin' })] },
    ...overrides,
  });

async function setUp(k: Kysely<Database>) {
  const seeded = await seedRespondents(k);
  const tokens = await createRoleTokens(k, seeded.csmId);
  const app = await createTestApi(k);
  const as = (request: InjectOptions) => app.inject({ ...request, headers: { ...bearer(tokens.admin), ...(request.headers as Record<string, string> | undefined) } });
  return { ...seeded, tokens, app, as };
}

describeEachBackend('rules API', (db) => {
  it('lets only admins at every rule route', async () => {
    const k = db().kysely;
    const { app, tokens, as } = await setUp(k);
    await as({ method: 'POST', url: '/rules', payload: unhappyAdmins() });
    const requests: InjectOptions[] = [
      { method: 'GET', url: '/rules' },
      { method: 'GET', url: '/rules/unhappy-admins' },
      { method: 'POST', url: '/rules', payload: aListRule() },
      { method: 'PUT', url: '/rules/unhappy-admins', payload: { ...unhappyAdmins(), expectedVersion: 1 } },
      { method: 'POST', url: '/rules/unhappy-admins/enable' },
      { method: 'POST', url: '/rules/unhappy-admins/disable' },
      { method: 'POST', url: '/rules/dry-run', payload: aListRule() },
      { method: 'POST', url: '/rules/unhappy-admins/dry-run' },
      { method: 'POST', url: '/rules/validate', payload: aListRule() },
      { method: 'GET', url: '/rules/schema?kind=list' },
      { method: 'DELETE', url: '/rules/unhappy-admins' },
    ];
    const before = await rowCounts(k);
    for (const request of requests) await expectRefusedUnlessRole(app, tokens, request, ['admin']);
    expect(await rowCounts(k)).toEqual(before);
    const ruleRoutes = app.routeTable.filter((route) => route.url.startsWith('/rules'));
    expect(ruleRoutes).toHaveLength(requests.length);
    for (const route of ruleRoutes) expect(route.access).toEqual({ roles: ['admin'] });

    // The admin reaches each of them (DELETE last: the others need the rule).
    for (const request of requests) {
      const response = await as(request.method === 'PUT' ? { ...request, payload: { ...unhappyAdmins({ description: 'changed' }), expectedVersion: 1 } } : request);
      expect(response.statusCode, `${request.method} ${request.url}: ${response.body}`).toBeLessThan(300);
    }
    await app.close();
  });

  it('creates, shows, lists, changes with optimistic concurrency, disables and soft-deletes a rule, keeping its history', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);

    const created = await as({ method: 'POST', url: '/rules', payload: { ...unhappyAdmins(), note: 'from the playbook' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({
      rule: { name: 'unhappy-admins', kind: 'list', enabled: true, version: 1, createdBy: 'test admin', deletedAt: null, definition: unhappyAdmins() },
      changed: true,
      // The list follows at once: ana (2) and cy (5) are unhappy admins.
      refreshed: { lists: [{ list: 'unhappy-admins', entered: 2, exited: 0, total: 2 }], healthChanges: 0 },
    });
    expect((await as({ method: 'POST', url: '/rules', payload: unhappyAdmins() })).json().error.code).toBe('rule_exists');

    const shown = await as({ method: 'GET', url: '/rules/unhappy-admins' });
    expect(shown.headers.etag).toBe('"1"');
    expect(shown.json().history).toMatchObject([{ version: 1, change: 'created', changedBy: 'test admin', note: 'from the playbook' }]);

    // Two admins read version 1; the first change wins, the second is refused and saves nothing.
    const stricter = unhappyAdmins({ conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 2 })] } });
    const first = await as({ method: 'PUT', url: '/rules/unhappy-admins', headers: { 'if-match': '"1"' }, payload: { ...stricter, note: 'stricter' } });
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    expect(first.json()).toMatchObject({ rule: { version: 2, definition: stricter }, changed: true, refreshed: { lists: [{ entered: 0, exited: 2, total: 0 }] } });
    const second = await as({ method: 'PUT', url: '/rules/unhappy-admins', payload: { ...unhappyAdmins({ description: 'mine' }), expectedVersion: 1 } });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'version_conflict', message: expect.stringContaining('version 2, not 1') });
    expect((await as({ method: 'GET', url: '/rules/unhappy-admins' })).json().rule.definition).toEqual(stricter);

    const unversioned = await as({ method: 'PUT', url: '/rules/unhappy-admins', payload: stricter });
    expect(unversioned.statusCode).toBe(428);
    expect(unversioned.json().error.code).toBe('version_required');
    const disagreeing = await as({ method: 'PUT', url: '/rules/unhappy-admins', headers: { 'if-match': '"2"' }, payload: { ...stricter, expectedVersion: 1 } });
    expect(disagreeing.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'body.expectedVersion' }] });
    const same = await as({ method: 'PUT', url: '/rules/unhappy-admins', headers: { 'if-match': '2' }, payload: stricter });
    expect(same.json()).toMatchObject({ rule: { version: 2 }, changed: false });

    const disabled = await as({ method: 'POST', url: '/rules/unhappy-admins/disable', payload: { note: 'too noisy' } });
    expect(disabled.json()).toMatchObject({ rule: { enabled: false, version: 3 }, changed: true });
    expect((await as({ method: 'POST', url: '/rules/unhappy-admins/disable' })).json()).toMatchObject({ rule: { version: 3 }, changed: false });
    const staleEnable = await as({ method: 'POST', url: '/rules/unhappy-admins/enable', headers: { 'if-match': '"2"' } });
    expect(staleEnable.json().error.code).toBe('version_conflict');

    const enabledOnly = (await as({ method: 'GET', url: '/rules' })).json();
    expect(enabledOnly.rules.map((r: { name: string }) => r.name)).not.toContain('unhappy-admins');
    const all = (await as({ method: 'GET', url: '/rules?includeDisabled=true&kind=list' })).json();
    expect(all.rules.map((r: { name: string }) => r.name)).toEqual(['unhappy-admins']);
    expect((await as({ method: 'GET', url: '/rules?includeDisabled&kind=health' })).json().rules).toEqual([]);

    const staleDelete = await as({ method: 'DELETE', url: '/rules/unhappy-admins', headers: { 'if-match': '"2"' } });
    expect(staleDelete.statusCode).toBe(409);
    const deleted = await as({ method: 'DELETE', url: '/rules/unhappy-admins', headers: { 'if-match': '"3"' } });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().rule).toMatchObject({ version: 4, enabled: false, deletedAt: expect.any(String) });
    expect(deleted.json().history.map((v: { change: string }) => v.change)).toEqual(['created', 'updated', 'disabled', 'deleted']);
    expect(deleted.json().history[2]).toMatchObject({ note: 'too noisy', changedBy: 'test admin' });

    // Gone from the API, kept in the database; the name is free again.
    expect((await as({ method: 'GET', url: '/rules/unhappy-admins' })).statusCode).toBe(404);
    expect((await as({ method: 'DELETE', url: '/rules/unhappy-admins' })).statusCode).toBe(404);
    expect((await as({ method: 'GET', url: '/rules?includeDisabled=true' })).json().rules).toEqual([]);
    expect((await ruleHistory(k, 'unhappy-admins')).map((v) => v.version)).toEqual([1, 2, 3, 4]);
    const again = await as({ method: 'POST', url: '/rules', payload: unhappyAdmins() });
    expect(again.json().rule).toMatchObject({ version: 1 });
    expect(await k.selectFrom('rules').select('name').where('name', '=', 'unhappy-admins').execute()).toHaveLength(2);
    await app.close();
  });

  it('renames a rule, refuses to change its kind, and pages the list of rules', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    for (const name of ['a-list', 'b-list', 'c-list']) await as({ method: 'POST', url: '/rules', payload: aListRule({ name }) });
    const page = (await as({ method: 'GET', url: '/rules?limit=2' })).json();
    expect(page.rules.map((r: { name: string }) => r.name)).toEqual(['a-list', 'b-list']);
    expect(page.next).toBe('b-list');
    const rest = (await as({ method: 'GET', url: `/rules?limit=2&after=${page.next}` })).json();
    expect(rest).toMatchObject({ rules: [{ name: 'c-list' }], next: null });

    const renamed = await as({ method: 'PUT', url: '/rules/a-list', payload: { ...aListRule({ name: 'first-list' }), expectedVersion: 1 } });
    expect(renamed.json().rule).toMatchObject({ name: 'first-list', version: 2 });
    const taken = await as({ method: 'PUT', url: '/rules/first-list', payload: { ...aListRule({ name: 'b-list' }), expectedVersion: 2 } });
    expect(taken.json().error.code).toBe('rule_exists');
    const rekinded = await as({ method: 'PUT', url: '/rules/first-list', payload: { ...aTriggerRule({ name: 'first-list' }), expectedVersion: 2 } });
    expect(rekinded.statusCode).toBe(400);
    expect(rekinded.json().error).toMatchObject({ code: 'invalid_rule', issues: [{ path: '$.kind', message: expect.stringContaining('must stay "list"') }] });
    expect((await as({ method: 'PUT', url: '/rules/nope', payload: { ...aListRule({ name: 'nope' }), expectedVersion: 1 } })).statusCode).toBe(404);
    await app.close();
  });

  it('colours accounts as soon as a health rule is created', async () => {
    const k = db().kysely;
    const { app, as, globex } = await setUp(k);
    const created = await as({ method: 'POST', url: '/rules', payload: aHealthRule({ name: 'tickets' }) });
    expect(created.json().refreshed.healthChanges).toBe(2);
    const colours = await k.selectFrom('account_health').select(['account_id', 'colour']).where('dimension', '=', 'service').orderBy('account_id').execute();
    expect(colours.find((c) => c.account_id === globex.accountId)?.colour).toBe('red');
    expect(colours.filter((c) => c.colour === 'green')).toHaveLength(1);
    await app.close();
  });

  it('reports each mistake at its JSON path in the rule, with what would be valid, and saves nothing', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    const before = await rowCounts(k);

    const unknownFact = await as({
      method: 'POST',
      url: '/rules',
      payload: aListRule({ conditions: { all: [aLeaf(), aLeaf({ fact: 'mood', operator: 'equal', value: 'sad' })] } }),
    });
    expect(unknownFact.statusCode).toBe(400);
    expect(unknownFact.json().error).toMatchObject({
      code: 'invalid_rule',
      message: expect.stringContaining('nothing was saved'),
      issues: [{ path: '$.conditions.all[1].fact', message: expect.stringMatching(/"mood" is not a fact of users.*valid facts: latestScore, latestCategory/) }],
    });

    const typo = await as({ method: 'POST', url: '/rules/dry-run', payload: aListRule({ conditions: { all: [aLeaf({ fact: 'latestScor', operator: 'lesThan', value: 7 })] } }) });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error.issues).toEqual([{ path: '$.conditions.all[0].fact', message: expect.stringContaining('did you mean "latestScore"?') }]);
    const operatorTypo = await as({ method: 'POST', url: '/rules/dry-run', payload: aListRule({ conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lesThan', value: 7 })] } }) });
    expect(operatorTypo.json().error.issues).toEqual([{ path: '$.conditions.all[0].operator', message: expect.stringContaining('did you mean "lessThan"?') }]);

    const mismatch = await as({
      method: 'POST',
      url: '/rules/dry-run',
      payload: aListRule({ conditions: { all: [aLeaf({ fact: 'latestRespondedAt', operator: 'lessThan', value: 3 }), aLeaf({ fact: 'latestScore', operator: 'equal', value: 'ten' })] } }),
    });
    expect(mismatch.json().error.issues).toEqual([
      { path: '$.conditions.all[0].operator', message: expect.stringContaining('valid operators: before, after, between') },
      { path: '$.conditions.all[1].value', message: 'must be a number from 0 to 10' },
    ]);

    const malformed = await as({ method: 'POST', url: '/rules', headers: { 'content-type': 'application/json' }, payload: '{"kind": "list", "name": "x", ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'malformed_json', issues: [{ path: '$', message: expect.stringContaining('JSON') }] });

    const putMistake = await as({ method: 'PUT', url: '/rules/nothing-here', payload: { kind: 'list', expectedVersion: 1 } });
    expect(putMistake.json().error.issues.map((issue: { path: string }) => issue.path)).toEqual(['$.name', '$.conditions']);

    const badMetadata = await as({ method: 'POST', url: '/rules', payload: { ...aListRule(), enabled: 'yes' } });
    expect(badMetadata.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'body.enabled' }] });
    expect(await rowCounts(k)).toEqual(before);
    await app.close();
  });

  it('refuses injection attempts in rule JSON with a path, and changes nothing', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    await as({ method: 'POST', url: '/rules', payload: unhappyAdmins() });
    const before = await rowCounts(k);
    const HOSTILE = "x'; drop table users; --";

    const attempts: { name: string; payload: object; path: string | RegExp }[] = [
      { name: 'SQL in a fact name', payload: aListRule({ conditions: { all: [aLeaf({ fact: HOSTILE, operator: 'equal', value: 1 })] } }), path: '$.conditions.all[0].fact' },
      { name: 'SQL in an operator', payload: aListRule({ conditions: { all: [aLeaf({ operator: `equal; ${HOSTILE}` })] } }), path: '$.conditions.all[0].operator' },
      { name: 'SQL in an attribute path', payload: aListRule({ conditions: { all: [aLeaf({ fact: 'attributes', path: `$.plan') or 1=1 --`, operator: 'equal', value: 'x' })] } }), path: '$.conditions.all[0].path' },
      { name: 'SQL in a window param', payload: aListRule({ conditions: { all: [aLeaf({ fact: 'accountNps', params: { window: `last_30_days'; ${HOSTILE}` }, operator: 'lessThan', value: 0 })] } }), path: '$.conditions.all[0].params.window' },
      { name: 'a $where operator object', payload: aListRule({ conditions: { all: [{ $where: 'function () { return true }' }] } as never }), path: '$.conditions.all[0]["$where"]' },
      { name: 'a $where value', payload: aListRule({ conditions: { all: [aLeaf({ fact: 'role', operator: 'equal', value: { $where: '1 == 1' } })] } }), path: '$.conditions.all[0].value' },
      { name: 'deeply nested conditions', payload: aListRule({ conditions: nestedConditions(MAX_CONDITION_DEPTH + 40) }), path: /^\$\.conditions(\.all\[0\])+$/ },
      { name: 'a huge in list', payload: aListRule({ conditions: { all: [aLeaf({ fact: 'email', operator: 'in', value: Array.from({ length: 20_000 }, (_, i) => `u${i}@x.example`) })] } }), path: '$.conditions.all[0].value' },
      { name: 'too many conditions', payload: aListRule({ conditions: { any: Array.from({ length: 5_000 }, () => aLeaf()) } }), path: '$.conditions' },
    ];
    for (const attempt of attempts) {
      for (const request of [
        { method: 'POST' as const, url: '/rules' },
        { method: 'POST' as const, url: '/rules/dry-run' },
        { method: 'PUT' as const, url: '/rules/unhappy-admins', headers: { 'if-match': '1' } },
      ]) {
        const payload = request.method === 'PUT' ? { ...attempt.payload, name: 'unhappy-admins' } : attempt.payload;
        const response = await as({ ...request, payload });
        expect(response.statusCode, `${attempt.name}: ${request.method} ${request.url}`).toBe(400);
        const paths: string[] = response.json().error.issues.map((issue: { path: string }) => issue.path);
        expect(paths.some((path) => (typeof attempt.path === 'string' ? path === attempt.path : attempt.path.test(path))), `${attempt.name}: ${paths.join(', ')}`).toBe(true);
      }
    }

    // Keys that could reach Object.prototype never get past the body parser.
    for (const [json, path] of [
      ['{"kind":"list","name":"p","conditions":{"all":[{"fact":"role","operator":"equal","value":"a","__proto__":{"isAdmin":true}}]}}', '$.conditions.all[0].__proto__'],
      ['{"__proto__":{"polluted":true},"kind":"list"}', '$.__proto__'],
      ['{"kind":"list","name":"p","conditions":{"all":[{"fact":"role","operator":"equal","value":{"constructor":{"prototype":{"x":1}}}}]}}', '$.conditions.all[0].value.constructor'],
    ] as const) {
      for (const url of ['/rules', '/rules/dry-run']) {
        const response = await as({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: json });
        expect(response.statusCode).toBe(400);
        expect(response.json().error).toMatchObject({ code: 'malformed_json', issues: [{ path }] });
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await rowCounts(k)).toEqual(before);

    // A value with SQL metacharacters is valid: it is data, matching nobody.
    const asData = aListRule({ name: 'quoted', conditions: { any: [aLeaf({ fact: 'email', operator: 'equal', value: HOSTILE }), aLeaf({ fact: 'role', operator: 'in', value: [HOSTILE, '"; delete from rules; --'] })] } });
    const dryRun = await as({ method: 'POST', url: '/rules/dry-run', payload: asData });
    expect(dryRun.statusCode).toBe(200);
    expect(dryRun.json()).toMatchObject({ kind: 'list', total: 0, users: [] });
    const saved = await as({ method: 'POST', url: '/rules', payload: asData });
    expect(saved.statusCode).toBe(201);
    expect(saved.json().rule.definition).toEqual(asData);
    expect(await rowCounts(k)).toEqual({ ...before, rules: before.rules! + 1, rule_versions: before.rule_versions! + 1 });
    await app.close();
  });

  it('dry-runs a list rule: who matches now, paged with a total, and why', async () => {
    const k = db().kysely;
    const { app, as, acme, globex } = await setUp(k);
    const before = await rowCounts(k);
    const belowNine = aListRule({ name: 'below-nine', conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 9 }), aLeaf({ fact: 'latestRespondedAt', operator: 'inLastDays', value: 30 })] } });

    const first = await as({ method: 'POST', url: '/rules/dry-run?limit=1', payload: belowNine });
    expect(first.statusCode).toBe(200);
    const ana = acme.users[0]!;
    expect(first.json()).toMatchObject({ kind: 'list', rule: 'below-nine', total: 2, limit: 1, next: ana.id, explained: 1 });
    expect(first.json().users).toEqual([
      {
        id: ana.id,
        email: 'ana@acme.example',
        name: null,
        account: { id: acme.accountId, name: 'Acme' },
        why: {
          explanation: {
            kind: 'all',
            evaluated: true,
            result: true,
            conditions: [
              { kind: 'leaf', fact: 'latestScore', operator: 'lessThan', value: 9, evaluated: true, result: true, factValue: 2 },
              { kind: 'leaf', fact: 'latestRespondedAt', operator: 'inLastDays', value: 30, evaluated: true, result: true, factValue: expect.any(String) },
            ],
          },
          reasons: ['latestScore = 2 is lessThan 9', expect.stringMatching(/^latestRespondedAt = \d{4}-\d\d-\d\dT[\d:.]+Z is inLastDays 30$/)],
        },
      },
    ]);
    const second = (await as({ method: 'POST', url: `/rules/dry-run?limit=1&after=${first.json().next}`, payload: belowNine })).json();
    expect(second.users.map((u: { email: string }) => u.email)).toEqual(['cy@globex.example']);
    const last = (await as({ method: 'POST', url: `/rules/dry-run?limit=1&after=${second.next}`, payload: belowNine })).json();
    expect(last).toMatchObject({ total: 2, users: [], next: null });

    // A saved rule, disabled or not, by name: only the first 50 of a page are explained.
    await as({ method: 'POST', url: '/rules', payload: { ...aListRule({ name: 'everyone', conditions: { all: [aLeaf({ fact: 'email', operator: 'isKnown', value: true })] } }), enabled: false } });
    const everyone = (await as({ method: 'POST', url: '/rules/everyone/dry-run' })).json();
    expect(everyone).toMatchObject({ total: 4, explained: 4, next: null });
    expect(everyone.users.map((u: { account: { id: number } }) => u.account.id)).toEqual([acme.accountId, acme.accountId, acme.accountId, globex.accountId]);
    // The compiled SQL chose them and json-rules-engine agrees with each.
    expect(everyone.users.every((u: { why: { explanation: { result: boolean } } }) => u.why.explanation.result)).toBe(true);
    expect((await as({ method: 'POST', url: '/rules/nobody/dry-run' })).statusCode).toBe(404);
    expect((await as({ method: 'POST', url: '/rules/dry-run?user=ana@acme.example', payload: belowNine })).json().error.code).toBe('invalid_request');
    expect((await as({ method: 'POST', url: '/rules/dry-run?limit=5000', payload: belowNine })).json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'querystring.limit' }] });
    expect({ ...(await rowCounts(k)), rules: before.rules, rule_versions: before.rule_versions }).toEqual(before);
    await app.close();
  });

  it('dry-runs a health rule: every account with its colour and the reasons', async () => {
    const k = db().kysely;
    const { app, as, acme, globex } = await setUp(k);
    const health = aHealthRule({
      name: 'service-health',
      criteria: [
        { colour: 'red', reason: 'critical tickets open', conditions: { all: [aLeaf({ fact: 'openCriticalTicketCount', operator: 'greaterThan', value: 0 })] } },
        { colour: 'amber', conditions: { all: [aLeaf({ fact: 'detractorCount', params: { window: 'last_30_days' }, operator: 'greaterThan', value: 0 })] } },
      ],
    });
    const response = await as({ method: 'POST', url: '/rules/dry-run', payload: health });
    expect(response.json()).toMatchObject({ kind: 'health', dimension: 'service', total: 2, colours: { red: 1, amber: 1, green: 0, none: 0 }, explained: 2 });
    expect(response.json().accounts).toEqual([
      { id: acme.accountId, externalId: expect.any(String), name: 'Acme', colour: 'amber', criterionIndex: 1, reasons: ['detractorCount(window=last_30_days) = 1 is greaterThan 0'] },
      { id: globex.accountId, externalId: expect.any(String), name: 'Globex', colour: 'red', criterionIndex: 0, reasons: ['critical tickets open', 'openCriticalTicketCount = 1 is greaterThan 0'] },
    ]);
    // No criterion for a quiet account: no colour.
    const strict = aHealthRule({ criteria: [health.criteria[0]!] });
    expect((await as({ method: 'POST', url: '/rules/dry-run', payload: strict })).json().colours).toEqual({ red: 1, amber: 0, green: 0, none: 1 });
    expect(await k.selectFrom('account_health').selectAll().execute()).toEqual([]);
    await app.close();
  });

  it('dry-runs a trigger rule against a response or a user\'s latest response', async () => {
    const k = db().kysely;
    const { app, as, acme } = await setUp(k);
    const detractorWithComment = aTriggerRule({ conditions: { all: [aLeaf({ fact: 'category', operator: 'equal', value: 'detractor' }), aLeaf({ fact: 'hasComment', operator: 'equal', value: true })] } });
    const ana = (await as({ method: 'POST', url: '/rules/dry-run?user=ANA@acme.example', payload: detractorWithComment })).json();
    expect(ana).toMatchObject({ kind: 'trigger', matched: true, event: { userId: acme.users[0]!.id, accountId: acme.accountId, score: 2, category: 'detractor' } });
    expect(ana.why.reasons).toEqual(['category = "detractor" is equal "detractor"', 'hasComment = true is equal true']);

    const bo = await k.selectFrom('nps_responses').select('id').where('user_id', '=', acme.users[1]!.id).executeTakeFirstOrThrow();
    const byResponse = (await as({ method: 'POST', url: `/rules/dry-run?responseId=${bo.id}`, payload: detractorWithComment })).json();
    expect(byResponse).toMatchObject({ matched: false, event: { responseId: bo.id, score: 10 }, why: { reasons: ['category = "promoter" is not equal "detractor"', 'hasComment = false is not equal true'] } });

    const missing = await as({ method: 'POST', url: '/rules/dry-run', payload: detractorWithComment });
    expect(missing.json().error).toMatchObject({ code: 'event_required', message: expect.stringContaining('?responseId=') });
    expect((await as({ method: 'POST', url: '/rules/dry-run?user=dee@acme.example', payload: detractorWithComment })).json().error).toMatchObject({ code: 'not_found', message: expect.stringContaining('no response yet') });
    expect((await as({ method: 'POST', url: '/rules/dry-run?user=nobody@x.example', payload: detractorWithComment })).statusCode).toBe(404);
    expect((await as({ method: 'POST', url: '/rules/dry-run?responseId=999999', payload: detractorWithComment })).statusCode).toBe(404);
    expect((await as({ method: 'POST', url: `/rules/dry-run?responseId=${bo.id}&user=ana@acme.example`, payload: detractorWithComment })).statusCode).toBe(400);
    await app.close();
  });

  it('describes the rule routes in the OpenAPI document', async () => {
    const k = db().kysely;
    const app = await createTestApi(k);
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/rules', '/rules/{name}', '/rules/{name}/enable', '/rules/{name}/disable', '/rules/dry-run', '/rules/{name}/dry-run']));
    expect(document.paths['/rules/dry-run'].post.responses['200']).toBeDefined();
    await app.close();
  });
});
