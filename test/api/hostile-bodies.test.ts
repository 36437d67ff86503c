import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { MAX_JSON_DEPTH } from '../../api/reject-deep-json.ts';
import type { Database } from '../../db/database.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { askNicelyPayload, delightedCommentUpdate, genericResponse, retentlyPayload, wootricResponseEvent } from '../fixtures/vendor-payloads.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { configWithSecrets, signedDelivery, withToken } from '../helpers/webhook-deliveries.ts';

const FIXTURE_USERS = ['ana.silva@acme.example', 'ben.okafor@globex.example', 'chen.wei@initech.example', 'dana.kim@umbrella.example', 'fay.adams@stark.example'];

/** `depth` lists, one inside the other. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const LONG_COMMENT = 'a'.repeat(100_000);

/** Each source's payload with `comment` where it carries the comment, and that field's path. */
const COMMENTED: Record<SourceName, { path: string; body: (comment: string) => unknown }> = {
  delighted: { path: 'event_data.comment', body: (comment) => delightedCommentUpdate({ event_data: { comment } }) },
  wootric: { path: 'response.text', body: (comment) => wootricResponseEvent({ response: { text: comment } }) },
  asknicely: { path: 'question.comment', body: (comment) => askNicelyPayload({ question: { comment } }) },
  retently: { path: 'comment', body: (comment) => retentlyPayload({ comment }) },
  generic: { path: 'comment', body: (comment) => genericResponse({ comment }) },
};

async function storedRows(k: Kysely<Database>) {
  const { rows } = await sql<{ n: string }>`
    select (select count(*) from nps_responses) + (select count(*) from rejected_responses) + (select count(*) from webhook_events)
      + (select count(*) from rules) + (select count(*) from journeys) + (select count(*) from csms) as n`.execute(k);
  return Number(rows[0]!.n);
}

describeEachBackend('hostile request bodies', (db) => {
  let app: ApiApp;
  let tokens: Awaited<ReturnType<typeof createRoleTokens>>;

  beforeEach(async () => {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: FIXTURE_USERS });
    tokens = await createRoleTokens(k, csm.id);
    app = await createTestApi(k, { config: configWithSecrets() });
  });

  afterEach(async () => {
    await app.close();
  });

  /** The request for `body` to a route: webhooks signed as their source signs, others with an admin token. */
  function requestTo(route: { method: string; url: string }, body: string | Buffer, contentType = 'application/json') {
    const url = route.url.replace(/:(\w+)/g, '1');
    const source = /^\/webhooks\/(\w+)$/.exec(url)?.[1] as SourceName | undefined;
    if (source) {
      // Signed over the text; the encoding is judged before the signature.
      const delivery = signedDelivery(source, body.toString(), { contentType });
      return { method: route.method as 'POST', url, headers: { ...delivery.headers, ...bearer(tokens.ingest) }, payload: body };
    }
    return { method: route.method as 'POST', url, headers: { ...bearer(tokens.admin), 'content-type': contentType }, payload: body };
  }

  const bodyRoutes = () => app.routeTable.filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method));

  it('refuses JSON nested 10,000 deep with 400 and where, on every route that takes a body, without a stack overflow', async () => {
    const before = await storedRows(db().kysely);
    const deep = `{"records": ${nested(10_000)}}`;
    for (const route of bodyRoutes()) {
      const response = await app.inject(requestTo(route, deep));
      const what = `${route.method} ${route.url}: ${response.body.slice(0, 300)}`;
      // The CSV import takes no JSON at all.
      if (route.url === '/imports/responses') {
        expect(response.statusCode, what).toBe(415);
        continue;
      }
      expect(response.statusCode, what).toBe(400);
      expect(response.json().error, what).toMatchObject({
        code: 'invalid_request',
        message: `the body nests deeper than ${MAX_JSON_DEPTH} levels`,
        issues: [{ path: expect.stringMatching(/^body\.records(\[0\]){10}/), message: `nests deeper than ${MAX_JSON_DEPTH} levels` }],
      });
    }
    expect(bodyRoutes().length).toBeGreaterThan(15);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(await storedRows(db().kysely)).toBe(before);
  });

  it(`reads a body nested ${MAX_JSON_DEPTH} levels deep, and refuses one a level deeper`, async () => {
    const sync = (records: string) => app.inject(requestTo({ method: 'POST', url: '/sync/csms' }, `{"records": ${records}}`));
    // The body is level 1, its list of records level 2.
    const deepest = await sync(nested(MAX_JSON_DEPTH - 1));
    expect(deepest.statusCode, deepest.body).toBe(200);
    expect(deepest.json()).toMatchObject({ received: 1, upserted: 0, rejected: [{ index: 0, issues: [{ message: expect.any(String) }] }] });
    const tooDeep = await sync(nested(MAX_JSON_DEPTH));
    expect(tooDeep.statusCode).toBe(400);
    expect(tooDeep.json().error.issues).toEqual([{ path: `body.records${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`, message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  });

  it('rejects a 100,000-character comment at its field on every webhook source, and other long texts at theirs', async () => {
    const k = db().kysely;
    for (const source of Object.keys(COMMENTED) as SourceName[]) {
      const { path, body } = COMMENTED[source];
      const response = await app.inject({ method: 'POST', ...withToken(signedDelivery(source, JSON.stringify(body(LONG_COMMENT))), tokens.ingest) });
      expect(response.statusCode, `${source}: ${response.body.slice(0, 300)}`).toBe(422);
      expect(response.json().error.issues, source).toEqual([{ path, message: 'must be at most 10,000 characters' }]);
    }
    // In a batch, the response beside it is taken.
    const batch = JSON.stringify([genericResponse({ id: 'long', comment: LONG_COMMENT }), genericResponse({ id: 'short', comment: 'a'.repeat(10_000) })]);
    const taken = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', batch), tokens.ingest) });
    expect(taken.statusCode).toBe(202);
    expect(taken.json()).toMatchObject({ inserted: 1, rejected: [{ sourceResponseId: 'long', issues: [{ path: '[0].comment', message: 'must be at most 10,000 characters' }] }] });
    expect(await k.selectFrom('nps_responses').select('source_response_id').execute()).toEqual([{ source_response_id: 'short' }]);

    const outcome = await app.inject(requestTo({ method: 'POST', url: '/tasks/:id/complete' }, JSON.stringify({ outcome: LONG_COMMENT })));
    expect(outcome.statusCode).toBe(400);
    expect(outcome.json().error.issues).toEqual([{ path: 'body.outcome', message: expect.stringContaining('2000') }]);
    const csm = await app.inject(requestTo({ method: 'POST', url: '/sync/csms' }, JSON.stringify({ records: [{ externalId: 'c1', email: 'c1@cs.example', name: LONG_COMMENT }] })));
    expect(csm.json()).toMatchObject({ upserted: 0, rejected: [{ issues: [{ path: 'name', message: 'must be at most 200 characters' }] }] });
  });

  it('refuses a body that is not UTF-8 with its line and byte, on every route that takes one, storing nothing', async () => {
    const before = await storedRows(db().kysely);
    // "José" written in Latin-1 on the body's second line: byte 0xE9 is no UTF-8 character.
    const latin1 = Buffer.concat([Buffer.from('{"records": [],\n "comment": "Jos'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const at = latin1.indexOf(0xe9);
    for (const route of bodyRoutes()) {
      const contentType = route.url === '/imports/responses' ? 'text/csv' : 'application/json';
      const response = await app.inject(requestTo(route, latin1, contentType));
      const what = `${route.method} ${route.url}: ${response.body.slice(0, 300)}`;
      expect(response.statusCode, what).toBe(400);
      expect(response.json().error, what).toMatchObject({
        code: 'invalid_encoding',
        message: expect.stringContaining(`byte ${at}, on line 2, is not part of a UTF-8 character`),
        issues: [{ path: 'line 2', message: `byte ${at} is not UTF-8` }],
      });
    }
    const form = Buffer.concat([Buffer.from('event_name=created&response[text]=Jos'), Buffer.from([0xe9])]);
    const wootricForm = await app.inject(requestTo({ method: 'POST', url: '/webhooks/wootric' }, form, 'application/x-www-form-urlencoded'));
    expect(wootricForm.json().error).toMatchObject({ code: 'invalid_encoding', issues: [{ path: 'line 1' }] });
    const csv = Buffer.concat([Buffer.from('externalId,email,name\nc1,c1@cs.example,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const syncCsv = await app.inject(requestTo({ method: 'POST', url: '/sync/csms' }, csv, 'text/csv'));
    expect(syncCsv.json().error).toMatchObject({ code: 'invalid_encoding', issues: [{ path: 'line 2' }] });
    expect(await storedRows(db().kysely)).toBe(before);
  });
});
