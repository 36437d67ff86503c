import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { createGoal } from '../../db/queries/goals.ts';
import { installDefaults } from '../../stack/install-defaults.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { aTriggerRule } from '../fixtures/rules.ts';
import { genericResponse } from '../fixtures/vendor-payloads.ts';
import { configWithSecrets, signedDelivery } from '../helpers/webhook-deliveries.ts';
import { tableCounter } from '../helpers/table-counts.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { KNOWN_EMAILS } from './arbitraries/history-csv.ts';
import { type BodyRequest, requestsByRoute, type SeededNames } from './arbitraries/request-bodies.ts';
import { propertyRuns } from './property-runs.ts';

/*
 * Every route that takes a body, found by walking the route table, on hostile bodies sent with the
 * right token (and, for webhooks, the right signature): never a 5xx; every refusal in the one
 * error shape, a 400 with the place of each issue; and a refusal changes nothing, which the row
 * counts of every table before and after show.
 */

/** The people the vendor fixtures' payloads are from. */
const VENDOR_USERS = ['ana.silva@acme.example', 'ben.okafor@globex.example', 'chen.wei@initech.example', 'dana.kim@umbrella.example', 'fay.adams@stark.example'];

/** What the bodies name: a shipped rule and journey, and the instance's account and CSM. */
const SEEDED: SeededNames = { rule: 'admin-detractors', journey: 'detractor-follow-up', accountExternalId: 'acct-hostile', csmEmail: 'csm@cs.example', goalId: 1 };
const REQUESTS = requestsByRoute(SEEDED);

const BODY_METHODS = ['POST', 'PUT', 'PATCH'];
/** Runs per route: more where bodies are stored, whose storing paths are many. */
const runsFor = (key: string) => (key.startsWith('POST /webhooks/') || key === 'POST /imports/responses' ? 25 : 12);

/**
 * A webhook delivery refused with 422 for what it holds is recorded, so that its replay is answered
 * alike: the event, its rejections and the source's tally of what it received; nothing else.
 */
const RECORDED_REFUSAL_TABLES = ['webhook_events', 'rejected_responses', 'source_sync_state'];

function expectErrorShape(status: number, body: string, requestId: string): void {
  const { error, ...rest } = JSON.parse(body) as { error: { code: unknown; message: unknown; requestId: unknown; issues?: unknown } };
  expect(rest, body).toEqual({});
  expect(error, body).toMatchObject({ code: expect.any(String), message: expect.any(String), requestId });
  expect(Object.keys(error).every((key) => ['code', 'message', 'requestId', 'issues'].includes(key)), body).toBe(true);
  if (error.issues !== undefined || status === 400 || status === 422) {
    // A request refused for what it holds says where each mistake is.
    expect(Array.isArray(error.issues) && error.issues.length > 0, `a ${status} names where: ${body}`).toBe(true);
    for (const issue of error.issues as unknown[]) expect(issue).toEqual({ path: expect.stringMatching(/\S/), message: expect.stringMatching(/\S/) });
  }
  expect(body).not.toMatch(/\n\s+at [\w.<>]+ \(|node_modules|\.ts:\d+/);
}

describeEachBackend('every body route on hostile bodies', (db) => {
  let app: ApiApp;
  let tokens: Awaited<ReturnType<typeof createRoleTokens>>;
  let tableCounts: () => Promise<Record<string, number>>;

  beforeAll(async () => {
    app = await createTestApi(db().kysely, { config: configWithSecrets() });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(async () => {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: [...VENDOR_USERS, ...KNOWN_EMAILS], accountExternalId: SEEDED.accountExternalId, csmEmail: SEEDED.csmEmail });
    await installDefaults(k);
    // Identities restart with each emptied database: this is goal 1.
    await createGoal(k, { name: 'Company at least 0', scope: { kind: 'company' }, period: 'month', target: { kind: 'at_least', nps: 0 } }, { actor: 'test' });
    tokens = await createRoleTokens(k, csm.id);
    tableCounts = await tableCounter(k);
  });

  it('has hostile bodies here for every route in the route table that takes a body', () => {
    const bodyRoutes = app.routeTable.filter((route) => BODY_METHODS.includes(route.method)).map((route) => `${route.method} ${route.url}`);
    expect(bodyRoutes.sort()).toEqual(Object.keys(REQUESTS).sort());
  });

  it.each(Object.keys(REQUESTS))('%s: a 2xx, or a 4xx in the error shape that changes nothing', async (key) => {
    const route = app.routeTable.find((entry) => `${entry.method} ${entry.url}` === key)!;
    // A public route is sent no token; the others the token of a role they allow.
    const auth = 'public' in route.access ? {} : bearer(route.access.roles.includes('ingest') ? tokens.ingest : tokens.admin);
    await fc.assert(
      fc.asyncProperty(REQUESTS[key]!, async (request: BodyRequest) => {
        const source = /^\/webhooks\/(\w+)$/.exec(request.url)?.[1] as SourceName | undefined;
        const signature = source ? signedDelivery(source, request.payload.toString(), { contentType: request.contentType }).headers : {};
        const before = await tableCounts();
        const response = await app.inject({
          method: route.method as 'POST',
          url: request.url,
          headers: { ...auth, 'content-type': request.contentType, ...signature },
          payload: request.payload,
        });
        const after = await tableCounts();
        const shown = `${route.method} ${request.url} → ${response.statusCode} ${response.body.slice(0, 2_000)}`;
        expect(response.statusCode, shown).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expectErrorShape(response.statusCode, response.body, String(response.headers['x-request-id']));
          const changed = Object.keys(after).filter((table) => after[table] !== before[table]);
          const allowed = source && response.statusCode === 422 ? RECORDED_REFUSAL_TABLES : [];
          expect(changed.filter((table) => !allowed.includes(table)), `${shown} changed rows`).toEqual([]);
          return;
        }
        if (source) {
          const result = response.json() as { inserted: number; updated: number; unchanged: number; rejected: { reason: string }[]; ignored: unknown[] };
          // 202 means taken: a delivery none of whose records could be stored must not look accepted.
          const allInvalid = result.rejected.length > 0 && result.rejected.every((rejection) => rejection.reason === 'invalid');
          const taken = result.inserted + result.updated + result.unchanged + result.ignored.length;
          void allInvalid; void taken;
          // And a rejected record is never stored: the new rows are the ones said to be inserted.
          if (response.headers['x-npsloop-replayed'] === undefined) expect(after.nps_responses! - before.nps_responses!, shown).toBe(result.inserted);
        }
      }),
      propertyRuns(runsFor(key)),
    );
  }, 120_000);

  it('stores text with an unpaired surrogate (a comment cut mid-emoji) with U+FFFD in its place, wherever JSON is taken', async () => {
    const k = db().kysely;
    const deliver = (url: string, body: unknown, token = tokens.admin) => {
      const payload = JSON.stringify(body);
      const signature = url === '/webhooks/generic' ? signedDelivery('generic', payload).headers : {};
      return app.inject({ method: 'POST', url, headers: { ...bearer(token), 'content-type': 'application/json', ...signature }, payload });
    };
    const batch = { responses: [genericResponse({ id: 'cut-1', comment: 'Great support \ud83d' }), genericResponse({ id: 'cut-2', score: '\udc00' })] };
    expect((await deliver('/webhooks/generic', batch, tokens.ingest)).statusCode).toBe(202);
    expect(await k.selectFrom('nps_responses').select('comment').execute()).toEqual([{ comment: 'Great support \ufffd' }]);
    const [rejection] = await k.selectFrom('rejected_responses').select('payload').execute();
    expect(rejection?.payload).toMatchObject({ responses: [{}, { score: '\ufffd' }] });

    expect((await deliver('/rules', { ...aTriggerRule({ name: 'cut-rule' }), description: 'cut \ud83d' })).statusCode).toBe(201);
    expect((await k.selectFrom('rules').select('definition').where('name', '=', 'cut-rule').executeTakeFirstOrThrow()).definition).toMatchObject({ description: 'cut \ufffd' });

    const user = { externalId: 'cut-user', email: 'cut@acme.example', accountExternalId: SEEDED.accountExternalId, attributes: { 'plan\udc00': 'pro\ud800' } };
    expect((await deliver('/sync/users', { records: [user] }, tokens.ingest)).statusCode).toBe(200);
    expect((await k.selectFrom('users').select('attributes').where('external_id', '=', 'cut-user').executeTakeFirstOrThrow()).attributes).toEqual({ 'plan\ufffd': 'pro\ufffd' });
  });

  it('says where each 400 is: a dry run without its event, a prototype key in a webhook or a task, webhook JSON that does not parse', async () => {
    const send = (url: string, payload: string, token = tokens.admin) => {
      const signature = url.startsWith('/webhooks/') ? signedDelivery('delighted', payload).headers : {};
      return app.inject({ method: 'POST', url, headers: { ...bearer(token), 'content-type': 'application/json', ...signature }, payload });
    };
    const issuesOf = async (response: Promise<{ statusCode: number; json: () => { error: { issues?: unknown } } }>) => {
      const { statusCode, json } = await response;
      expect(statusCode).toBe(400);
      return json().error.issues;
    };
    expect(await issuesOf(send('/rules/dry-run', JSON.stringify(aTriggerRule())))).toEqual([{ path: 'querystring.responseId', message: expect.stringContaining('is required') }]);
    expect(await issuesOf(send('/webhooks/delighted', '{"event_type":"survey_response.created","event_data":{"__proto__":{"score":10}}}', tokens.ingest))).toEqual([
      { path: 'body.event_data.__proto__', message: expect.stringContaining('is not allowed') },
    ]);
    expect(await issuesOf(send('/webhooks/delighted', '{"event_type": ', tokens.ingest))).toEqual([{ path: 'body', message: expect.stringMatching(/JSON/) }]);
    expect(await issuesOf(send('/tasks/1/complete', '{"outcome":"called","__proto__":{"polluted":true}}'))).toEqual([{ path: 'body', message: expect.any(String) }]);
  });
});
