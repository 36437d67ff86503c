import { beforeEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole, testConfig } from '../helpers/test-api.ts';
import { tableCounts } from '../helpers/table-counts.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const GENERIC_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const WEBHOOK_SECRETS = {
  NPSLOOP_WEBHOOK_SECRET_GENERIC: GENERIC_SECRET,
  NPSLOOP_WEBHOOK_SECRET_DELIGHTED: 'delighted-signing-secret',
  NPSLOOP_WEBHOOK_SECRET_WOOTRIC: 'wootric-signing-secret',
  NPSLOOP_WEBHOOK_SECRET_ASKNICELY: 'asknicely-shared-secret-0123456789',
  NPSLOOP_WEBHOOK_SECRET_RETENTLY: 'retently-shared-secret-0123456789',
};

/** Strings that would do harm if any layer pasted them into SQL, HTML, a path, a header or a log line. */
const HOSTILE_STRINGS = [
  "x'; drop table users; --",
  "' or '1'='1",
  '1) union select token_hash from api_tokens --',
  '"; $(rm -rf /); "',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00\u0000nul',
  '{"$where":"sleep(1000)"}',
  '__proto__',
  'line\r\nX-Injected: yes',
  '😀'.repeat(50),
];

/** A concrete URL for a route pattern: each parameter gets a plausible value. */
function concreteUrl(pattern: string, fill: (param: string) => string = () => '1'): string {
  return pattern.replace(/:(\w+)/g, (_, param: string) => encodeURIComponent(param === 'source' ? 'generic' : fill(param)));
}

function expectNoLeak(body: string): void {
  expect(body).not.toMatch(/\n\s+at [\w.<>]+ \(|node_modules|\.ts:\d+/);
}

describeEachBackend('API security', (db) => {
  let app: ApiApp;
  let tokens: Awaited<ReturnType<typeof createRoleTokens>>;

  beforeEach(async () => {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: ['ana@acme.example'] });
    tokens = await createRoleTokens(k, csm.id);
    app?.close();
    app = await createTestApi(k, { config: testConfig(WEBHOOK_SECRETS) });
  });

  it('has a declared access on every route, and every authenticated route refuses a missing or unknown token and the wrong roles, changing nothing', async () => {
    const k = db().kysely;
    const guarded = app.routeTable.filter((route) => !('public' in route.access));
    expect(guarded.length).toBeGreaterThan(20);
    const before = await tableCounts(k);
    for (const route of guarded) {
      if ('public' in route.access) continue;
      const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
      await expectRefusedUnlessRole(
        app,
        tokens,
        { method: route.method as 'GET', url: concreteUrl(route.url), ...(hasBody ? { payload: {} } : {}) },
        route.access.roles,
      );
    }
    // Tokens were used (last_used_at), nothing else moved.
    expect(await tableCounts(k)).toEqual(before);
  });

  it('keeps its public routes few and says why each is public', () => {
    const open = app.routeTable.filter((route) => 'public' in route.access).map((route) => `${route.method} ${route.url}`);
    expect(open.sort()).toEqual([
      'GET /',
      'GET /app',
      'GET /app/*',
      'GET /auth/session',
      'GET /auth/verify',
      'GET /healthz',
      'GET /openapi.json',
      'GET /r/:token',
      'GET /readyz',
      'GET /u/:token',
      'POST /auth/sign-in-links',
      'POST /auth/sign-out',
      'POST /u/:token',
    ]);
  });

  it('refuses an oversized body on every route that takes one, before it is stored', async () => {
    const k = db().kysely;
    const before = await tableCounts(k);
    for (const route of app.routeTable.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))) {
      // Bulk routes stream with large limits of their own; their tests cover those limits.
      if (route.bodyLimit > 8 * 1_048_576) continue;
      const payload = JSON.stringify({ padding: 'x'.repeat(route.bodyLimit + 1) });
      const response = await app.inject({ method: route.method as 'POST', url: concreteUrl(route.url), headers: { ...bearer(tokens.admin), 'content-type': 'application/json' }, payload });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(413);
      expect(response.json().error.code).toBe('body_too_large');
    }
    expect(await tableCounts(k)).toEqual(before);
  });

  it('answers malformed JSON with a 4xx in the stable error shape on every route that takes a body', async () => {
    const k = db().kysely;
    const before = await tableCounts(k);
    for (const route of app.routeTable.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))) {
      const response = await app.inject({
        method: route.method as 'POST',
        url: concreteUrl(route.url),
        headers: { ...bearer(tokens.admin), 'content-type': 'application/json' },
        payload: '{"email": "ana@acme.example", "score": ',
      });
      // Webhooks check the signature of the raw bytes before reading them: 401 comes first there;
      // routes that take only CSV refuse the JSON media type (415).
      expect([400, 401, 404, 415], `${route.method} ${route.url}`).toContain(response.statusCode);
      const { error } = response.json();
      expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
      if (response.statusCode === 400) expect(['malformed_json', 'invalid_request']).toContain(error.code);
      expectNoLeak(response.body);
    }
    expect(await tableCounts(k)).toEqual(before);
  });

  it('treats hostile strings in every path and query parameter as data: no 5xx, no leak, nothing changed', async () => {
    const k = db().kysely;
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const before = await tableCounts(k);
    let probes = 0;
    for (const [openApiPath, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (method !== 'get') continue;
        const pattern = openApiPath.replace(/\{(\w+)\}/g, ':$1');
        const query = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        for (const hostile of HOSTILE_STRINGS) {
          const url = `${concreteUrl(pattern, () => hostile)}${query.length ? `?${new URLSearchParams(query.map((name): [string, string] => [name, hostile]))}` : ''}`;
          const response = await app.inject({ method: 'GET', url, headers: bearer(tokens.admin) });
          expect(response.statusCode, `GET ${url}`).toBeLessThan(500);
          expectNoLeak(response.body);
          probes += 1;
        }
      }
    }
    expect(probes).toBeGreaterThan(100);
    expect(await tableCounts(k)).toEqual(before);
  });

  it('stores hostile strings from a webhook as data, verbatim, and answers them back unchanged', async () => {
    const k = db().kysely;
    for (const [i, hostile] of HOSTILE_STRINGS.entries()) {
      const body = JSON.stringify({ id: `hostile-${i}`, email: 'ana@acme.example', score: 3, respondedAt: '2026-11-20T10:00:00Z', comment: hostile, source: 'in-app' });
      const response = await app.inject({
        method: 'POST',
        url: '/webhooks/generic',
        headers: { ...bearer(tokens.ingest), 'content-type': 'application/json', ...standardWebhookHeaders(GENERIC_SECRET, body, { id: `evt-hostile-${i}` }) },
        payload: body,
      });
      // PostgreSQL text cannot hold NUL: that delivery is refused whole, with where; the others are kept as sent.
      if (hostile.includes('\u0000')) {
        expect(response.statusCode).toBe(400);
        expect(response.json().error.issues).toEqual([{ path: 'body.comment', message: 'must not contain NUL characters' }]);
      } else {
        expect(response.statusCode).toBe(202);
      }
    }
    const stored = await k.selectFrom('nps_responses').select('comment').orderBy('id').execute();
    expect(stored.map((r) => r.comment)).toEqual(HOSTILE_STRINGS.filter((s) => !s.includes('\u0000')));
    expect(await k.selectFrom('users').select('email').execute()).toEqual([{ email: 'ana@acme.example' }]);
  });

  it('refuses a bad signature, a stale event and answers a replayed one as the first time, storing once', async () => {
    const k = db().kysely;
    const body = JSON.stringify({ id: 'r-1', email: 'ana@acme.example', score: 9, respondedAt: '2026-11-20T10:00:00Z' });
    const deliver = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/webhooks/generic', headers: { ...bearer(tokens.ingest), 'content-type': 'application/json', ...headers }, payload: body });

    const forged = await deliver(standardWebhookHeaders(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, body, { id: 'evt-1' }));
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('invalid_signature');
    const stale = await deliver(standardWebhookHeaders(GENERIC_SECRET, body, { id: 'evt-1', timestamp: new Date(Date.now() - 10 * 60_000) }));
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('stale_event');
    expect(await k.selectFrom('nps_responses').select('id').execute()).toHaveLength(0);

    const first = await deliver(standardWebhookHeaders(GENERIC_SECRET, body, { id: 'evt-1' }));
    const replayed = await deliver(standardWebhookHeaders(GENERIC_SECRET, body, { id: 'evt-1' }));
    expect(first.statusCode).toBe(202);
    expect(replayed.statusCode).toBe(first.statusCode);
    expect(replayed.json()).toEqual(first.json());
    expect(await k.selectFrom('nps_responses').select('id').execute()).toHaveLength(1);
    expect(await k.selectFrom('webhook_events').select('event_id').execute()).toEqual([{ event_id: 'evt-1' }]);
  });
});
