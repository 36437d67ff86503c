import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { deliveryEventId } from '../../api/webhooks/delivery-event-id.ts';
import { loadConfig } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import { type SourceName, sourceAdapters } from '../../ingest/sources/index.ts';
import { defaultRetentlyFieldMapping } from '../../ingest/sources/retently.ts';
import { webhookBodySchemas } from '../../api/schemas/webhook-bodies.ts';
import { BODY_SECRET_FIELD } from '../../api/webhooks/verify-shared-secret.ts';
import { seedAccount } from '../fixtures/instance.ts';
import {
  askNicelyPayload,
  delightedCommentUpdate,
  delightedEvent,
  delightedUnsubscribe,
  genericResponse,
  retentlyPayload,
  wootricDeclineEvent,
  wootricFormBody,
  wootricResponseEvent,
} from '../fixtures/vendor-payloads.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole, testConfig } from '../helpers/test-api.ts';
import { configWithSecrets, signedDelivery, standardWebhookHeaders, WEBHOOK_SECRETS, withToken } from '../helpers/webhook-deliveries.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import type { Kysely } from 'kysely';

const FIXTURE_USERS = ['ana.silva@acme.example', 'ben.okafor@globex.example', 'chen.wei@initech.example', 'dana.kim@umbrella.example', 'fay.adams@stark.example'];

/** Secrets of the same form that are not the configured ones. */
const WRONG_SECRETS = {
  delighted: 'another-signing-secret',
  wootric: 'another-signing-secret',
  asknicely: 'another-shared-secret-0123456789',
  retently: 'another-shared-secret-0123456789',
  generic: `whsec_${randomBytes(32).toString('base64')}`,
} satisfies Record<SourceName, string>;

const SAMPLE_BODIES: Record<SourceName, () => string> = {
  delighted: () => JSON.stringify(delightedEvent()),
  wootric: () => JSON.stringify(wootricResponseEvent()),
  asknicely: () => JSON.stringify(askNicelyPayload()),
  retently: () => JSON.stringify(retentlyPayload()),
  generic: () => JSON.stringify(genericResponse()),
};
const SOURCES = Object.keys(SAMPLE_BODIES) as SourceName[];

async function countRows(k: Kysely<Database>) {
  const count = async (table: 'nps_responses' | 'webhook_events' | 'response_workflow_starts' | 'rejected_responses') =>
    Number((await k.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    responses: await count('nps_responses'),
    events: await count('webhook_events'),
    workflowStarts: await count('response_workflow_starts'),
    rejections: await count('rejected_responses'),
  };
}

const NOTHING = { responses: 0, events: 0, workflowStarts: 0, rejections: 0 };

describeEachBackend('webhook routes', (db) => {
  async function setUp(config = configWithSecrets()): Promise<{ app: ApiApp; k: Kysely<Database>; tokens: Awaited<ReturnType<typeof createRoleTokens>> }> {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: FIXTURE_USERS });
    const tokens = await createRoleTokens(k, csm.id);
    return { app: await createTestApi(k, { config }), k, tokens };
  }

  it('takes a signed delivery from every source, stores it with its workflow start, and records the event', async () => {
    const { app, k, tokens } = await setUp();
    for (const source of SOURCES) {
      const response = await app.inject({ method: 'POST', ...withToken(signedDelivery(source, SAMPLE_BODIES[source]()), tokens.ingest) });
      expect(response.statusCode, `${source}: ${response.body}`).toBe(202);
      expect(response.json(), source).toEqual({ received: 1, inserted: 1, updated: 0, unchanged: 0, rejected: [], ignored: [] });
    }
    const stored = await k.selectFrom('nps_responses').select(['source', 'score']).orderBy('source').execute();
    expect(stored).toEqual([
      { source: 'asknicely', score: 3 },
      { source: 'delighted', score: 9 },
      { source: 'in-app', score: 8 },
      { source: 'retently', score: 10 },
      { source: 'wootric', score: 7 },
    ]);
    expect(await countRows(k)).toEqual({ responses: 5, events: 5, workflowStarts: 5, rejections: 0 });
    const events = await k.selectFrom('webhook_events').select(['source', 'event_id', 'status']).orderBy('source').execute();
    expect(events.find((e) => e.source === 'delighted')).toEqual({ source: 'delighted', event_id: 'evt_6b2d1c0e9f', status: 202 });
    expect(events.find((e) => e.source === 'wootric')?.event_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    await app.close();
  });

  it('takes a Wootric form-encoded delivery, and the token from the query string', async () => {
    const { app, k, tokens } = await setUp();
    const delivery = signedDelivery('wootric', wootricFormBody(), { contentType: 'application/x-www-form-urlencoded' });
    const response = await app.inject({ method: 'POST', url: `${delivery.url}?token=${tokens.ingest}`, headers: delivery.headers, payload: delivery.payload });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ inserted: 1 });
    expect(await k.selectFrom('nps_responses').select(['source', 'score', 'comment']).execute()).toEqual([
      { source: 'wootric', score: 7, comment: 'Good, but the API docs are thin.' },
    ]);
    await app.close();
  });

  it('answers 202 with the rejections and ignored payloads listed: an unknown user, an invalid score, an unsubscribe', async () => {
    const { app, k, tokens } = await setUp();
    const generic = JSON.stringify({ responses: [genericResponse({ id: 'a', email: 'stranger@else.example' }), genericResponse({ id: 'b', score: 11 })] });
    const deliverBatch = () => app.inject({ method: 'POST', ...withToken(signedDelivery('generic', generic, { eventId: 'msg_batch' }), tokens.ingest) });
    const batch = await deliverBatch();
    expect(batch.statusCode).toBe(202);
    expect(batch.json()).toEqual({
      received: 2,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: [
        { reason: 'invalid', sourceResponseId: 'b', issues: [{ path: 'responses[1].score', message: 'must be from 0 to 10' }] },
        { reason: 'unknown_user', sourceResponseId: 'a', issues: [{ path: 'email', message: 'no user with email stranger@else.example is known to this instance' }] },
      ],
      ignored: [],
    });
    const unsubscribe = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', JSON.stringify(delightedUnsubscribe())), tokens.ingest) });
    expect(unsubscribe.json()).toMatchObject({ received: 1, inserted: 0, ignored: [{ reason: 'event type unsubscribe.created is not a survey response' }] });
    // A replay logs its rejections no second time.
    const replayed = await deliverBatch();
    expect(replayed.headers['x-npsloop-replayed']).toBe('true');
    expect(replayed.json()).toEqual(batch.json());
    expect(await countRows(k)).toEqual({ responses: 0, events: 2, workflowStarts: 0, rejections: 2 });
    await app.close();
  });

  it('takes a bare JSON list on the generic webhook as a batch', async () => {
    const { app, k, tokens } = await setUp();
    const body = JSON.stringify([genericResponse({ id: 'l1' }), genericResponse({ id: 'l2', score: 11 }), genericResponse({ id: 'l3', score: 2 })]);
    const response = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', body), tokens.ingest) });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toEqual({
      received: 3,
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [{ reason: 'invalid', sourceResponseId: 'l2', issues: [{ path: '[1].score', message: 'must be from 0 to 10' }] }],
      ignored: [],
    });
    expect(await k.selectFrom('nps_responses').select(['source_response_id', 'score']).orderBy('source_response_id').execute()).toEqual([
      { source_response_id: 'l1', score: 8 },
      { source_response_id: 'l3', score: 2 },
    ]);
    await app.close();
  });

  it('answers 422 with each issue when nothing in a delivery could be stored, records it, and answers its replay alike', async () => {
    const { app, k, tokens } = await setUp();
    const invalid: Record<SourceName, { body: string; issues: { path: string; message: string }[] }> = {
      delighted: { body: JSON.stringify(delightedEvent({ event_data: { score: 'ten' } })), issues: [{ path: 'event_data.score', message: 'must be a number from 0 to 10' }] },
      wootric: { body: JSON.stringify(wootricResponseEvent({ response: { email: 'nobody' } })), issues: [{ path: 'response.email', message: 'must be an email address' }] },
      asknicely: { body: JSON.stringify(askNicelyPayload({ person: 'ann' })), issues: [{ path: 'person', message: 'must be an object' }] },
      retently: { body: JSON.stringify(retentlyPayload({ score: 12 })), issues: [{ path: 'score', message: 'must be from 0 to 10' }] },
      generic: {
        body: JSON.stringify({ responses: [genericResponse({ id: 'g1', score: -1 }), 'x'] }),
        issues: [{ path: 'responses[0].score', message: 'must be from 0 to 10' }, { path: 'responses[1]', message: 'must be an object' }],
      },
    };
    for (const source of SOURCES) {
      const deliver = () => app.inject({ method: 'POST', ...withToken(signedDelivery(source, invalid[source].body, { eventId: `msg_invalid_${source}` }), tokens.ingest) });
      const first = await deliver();
      expect(first.statusCode, `${source}: ${first.body}`).toBe(422);
      expect(first.json().error, source).toMatchObject({ code: 'invalid_payload', message: expect.stringMatching(/^nothing in this delivery could be stored/), issues: invalid[source].issues });
      expect(first.headers['x-npsloop-replayed']).toBeUndefined();
      const again = await deliver();
      expect(again.statusCode, source).toBe(422);
      expect(again.json().error.issues, source).toEqual(invalid[source].issues);
      expect(again.headers['x-npsloop-replayed'], source).toBe('true');
    }
    expect(await countRows(k)).toEqual({ responses: 0, events: 5, workflowStarts: 0, rejections: 6 });
    expect((await k.selectFrom('webhook_events').select('status').execute()).map((e) => e.status)).toEqual([422, 422, 422, 422, 422]);
    await app.close();
  });

  it('takes, with 202, a delivery kept for a user not synced yet and one that carries no score', async () => {
    const { app, k, tokens } = await setUp();
    const unknownUser = await app.inject({ method: 'POST', ...withToken(signedDelivery('retently', JSON.stringify(retentlyPayload({ email: 'later@umbrella.example' }))), tokens.ingest) });
    expect(unknownUser.statusCode).toBe(202);
    expect(unknownUser.json()).toMatchObject({ received: 1, rejected: [{ reason: 'unknown_user' }] });
    const unsubscribe = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', JSON.stringify(delightedUnsubscribe())), tokens.ingest) });
    expect(unsubscribe.statusCode).toBe(202);
    const emptyBatch = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', '[]'), tokens.ingest) });
    expect(emptyBatch.statusCode).toBe(202);
    expect(emptyBatch.json()).toMatchObject({ received: 0 });
    expect(await countRows(k)).toEqual({ responses: 0, events: 3, workflowStarts: 0, rejections: 1 });
    await app.close();
  });

  it('refuses a delivery whose signature does not verify, and stores nothing', async () => {
    const { app, k, tokens } = await setUp();
    for (const source of SOURCES) {
      const body = SAMPLE_BODIES[source]();
      const genuine = signedDelivery(source, body);
      // The same JSON re-serialised with other spacing is other bytes: it must not verify.
      const reformatted = { ...genuine, payload: JSON.stringify(JSON.parse(body), null, 2) };
      const forged = withToken(signedDelivery(source, body, { secrets: WRONG_SECRETS }), tokens.ingest);
      const { [signatureHeaderOf(source)]: _dropped, ...unsigned } = forged.headers;
      const attempts = [
        ['signed with another secret', forged],
        ['no signature', { ...forged, headers: unsigned }],
      ] as const;
      // AskNicely and Retently sign nothing: their secret header vouches for any body.
      const bodySigned = source !== 'asknicely' && source !== 'retently';
      for (const [what, request] of bodySigned ? [['reformatted body', withToken(reformatted, tokens.ingest)] as const, ...attempts] : attempts) {
        const response = await app.inject({ method: 'POST', ...request });
        expect(response.statusCode, `${source}, ${what}`).toBe(401);
        expect(response.json().error.code, `${source}, ${what}`).toBe('invalid_signature');
      }
    }
    expect(await countRows(k)).toEqual(NOTHING);
    await app.close();
  });

  it('accepts any one valid signature among several, as while a key is rotated', async () => {
    const { app, tokens } = await setUp();
    const body = SAMPLE_BODIES.generic();
    const delivery = signedDelivery('generic', body);
    delivery.headers['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${delivery.headers['webhook-signature']}`;
    expect((await app.inject({ method: 'POST', ...withToken(delivery, tokens.ingest) })).statusCode).toBe(202);
    await app.close();
  });

  it('answers a replayed event with the first answer, changing nothing', async () => {
    const { app, k, tokens } = await setUp();
    for (const source of SOURCES) {
      const body = SAMPLE_BODIES[source]();
      const deliver = () => app.inject({ method: 'POST', ...withToken(signedDelivery(source, body, { eventId: 'msg_replayed' }), tokens.ingest) });
      const first = await deliver();
      expect(first.headers['x-npsloop-replayed']).toBeUndefined();
      const again = await deliver();
      expect(again.statusCode, source).toBe(202);
      expect(again.json(), source).toEqual(first.json());
      expect(again.headers['x-npsloop-replayed'], source).toBe('true');
    }
    // A Standard Webhooks retry is signed anew (new timestamp) with the same id and body.
    const body = JSON.stringify(genericResponse({ id: 'retried' }));
    const firstTry = standardWebhookHeaders(body, { id: 'msg_retried', timestamp: Math.floor(Date.now() / 1000) - 120 });
    const retry = standardWebhookHeaders(body, { id: 'msg_retried' });
    const answers = [];
    for (const headers of [firstTry, retry]) {
      answers.push(await app.inject({ method: 'POST', url: '/webhooks/generic', headers: { ...bearer(tokens.ingest), 'content-type': 'application/json', ...headers }, payload: body }));
    }
    expect(answers.map((a) => a.json().inserted)).toEqual([1, 1]);
    // Delighted dedupes on event_id: a later event for the same response is taken.
    const update = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', JSON.stringify(delightedCommentUpdate())), tokens.ingest) });
    expect(update.json()).toMatchObject({ updated: 1 });
    expect(await countRows(k)).toEqual({ responses: 6, events: 7, workflowStarts: 6, rejections: 0 });
    await app.close();
  });

  it('records one event when two deliveries of it arrive at once', async () => {
    const { app, k, tokens } = await setUp();
    const body = SAMPLE_BODIES.delighted();
    const answers = await Promise.all([0, 1, 2].map(() => app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', body), tokens.ingest) })));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers.filter((a) => a.headers['x-npsloop-replayed'] === 'true')).toHaveLength(2);
    expect(await countRows(k)).toEqual({ responses: 1, events: 1, workflowStarts: 1, rejections: 0 });
    await app.close();
  });

  it('refuses a Standard Webhooks message signed more than 5 minutes from now', async () => {
    const { app, k, tokens } = await setUp();
    const body = SAMPLE_BODIES.generic();
    const now = Math.floor(Date.now() / 1000);
    // Well past the 300 s either way, so a slow run cannot bring the server's clock within it.
    for (const timestamp of [now - 330, now + 330]) {
      const response = await app.inject({
        method: 'POST',
        url: '/webhooks/generic',
        headers: { ...bearer(tokens.ingest), 'content-type': 'application/json', ...standardWebhookHeaders(body, { timestamp }) },
        payload: body,
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatchObject({ code: 'stale_event', message: expect.stringContaining('at most 300 s') });
    }
    // Stale and forged is forged: only a genuine message is told it is stale.
    const forged = { ...standardWebhookHeaders(body, { timestamp: now - 3600 }), 'webhook-signature': 'v1,AAAA' };
    const response = await app.inject({ method: 'POST', url: '/webhooks/generic', headers: { ...bearer(tokens.ingest), 'content-type': 'application/json', ...forged }, payload: body });
    expect(response.json().error.code).toBe('invalid_signature');
    expect(await countRows(k)).toEqual(NOTHING);
    await app.close();
  });

  it('lets ingest and admin tokens deliver, and refuses everyone else before storing anything', async () => {
    const { app, k, tokens } = await setUp();
    for (const source of SOURCES) {
      await expectRefusedUnlessRole(app, tokens, { method: 'POST', ...signedDelivery(source, SAMPLE_BODIES[source]()) }, ['ingest', 'admin']);
      const viaQuery = signedDelivery(source, SAMPLE_BODIES[source]());
      const csmViaQuery = await app.inject({ method: 'POST', url: `${viaQuery.url}?token=${tokens.csm}`, headers: viaQuery.headers, payload: viaQuery.payload });
      expect(csmViaQuery.statusCode).toBe(403);
    }
    expect(await countRows(k)).toEqual(NOTHING);
    const asAdmin = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', SAMPLE_BODIES.generic()), tokens.admin) });
    expect(asAdmin.statusCode).toBe(202);
    await app.close();
  });

  it('refuses deliveries for a source with no secret configured, so nothing unverified gets in', async () => {
    const { app, k, tokens } = await setUp(configWithSecrets({ generic: WEBHOOK_SECRETS.generic }));
    const response = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', SAMPLE_BODIES.delighted()), tokens.ingest) });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: 'webhook_not_configured', message: expect.stringContaining('NPSLOOP_WEBHOOK_SECRET_DELIGHTED') });
    expect(await countRows(k)).toEqual(NOTHING);
    await app.close();
  });

  it('answers malformed JSON with 400, an oversized body with 413 and another media type with 415', async () => {
    const { app, k, tokens } = await setUp();
    for (const payload of ['{"event_type": ', '']) {
      const malformed = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', payload), tokens.ingest) });
      expect(malformed.statusCode, JSON.stringify(payload)).toBe(400);
      expect(malformed.json().error.code).toBe('malformed_json');
    }
    const poisoned = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', '{"__proto__": {"polluted": true}, "responses": []}'), tokens.ingest) });
    expect(poisoned.json().error.code).toBe('malformed_json');

    const huge = JSON.stringify(genericResponse({ comment: 'x'.repeat(1_100_000) }));
    const oversized = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', huge), tokens.ingest) });
    expect(oversized.statusCode).toBe(413);
    expect(oversized.json().error.code).toBe('body_too_large');

    const form = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', 'event_type=x', { contentType: 'application/x-www-form-urlencoded' }), tokens.ingest) });
    expect(form.statusCode).toBe(415);
    expect(await countRows(k)).toEqual(NOTHING);
    await app.close();
  });

  it('leaves neither responses nor the event behind when the database fails half-way', async () => {
    const { app, k, tokens } = await setUp();
    await sql`create function npsloop_test_fail() returns trigger language plpgsql as $$ begin raise exception 'disk full (test)'; end $$`.execute(k);
    try {
      for (const table of ['response_workflow_starts', 'webhook_events']) {
        await sql`create trigger npsloop_test_fail before insert on ${sql.table(table)} for each row execute function npsloop_test_fail()`.execute(k);
        const response = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', SAMPLE_BODIES.delighted()), tokens.ingest) });
        expect(response.statusCode, table).toBe(500);
        expect(response.json().error).toMatchObject({ code: 'internal', message: 'internal error' });
        expect(await countRows(k), table).toEqual(NOTHING);
        await sql`drop trigger npsloop_test_fail on ${sql.table(table)}`.execute(k);
      }
      // Once the database is healthy, the redelivery is taken as new.
      const retried = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', SAMPLE_BODIES.delighted()), tokens.ingest) });
      expect(retried.json()).toMatchObject({ inserted: 1 });
      expect(retried.headers['x-npsloop-replayed']).toBeUndefined();
    } finally {
      await sql`drop function npsloop_test_fail() cascade`.execute(k);
    }
    await app.close();
  });

  it('documents each source route in the OpenAPI document', async () => {
    const { app } = await setUp();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const source of SOURCES) expect(document.paths[`/webhooks/${source}`].post.responses['202'], source).toBeDefined();
    expect(document.paths['/webhooks/generic'].post.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['token', 'webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
    await app.close();
  });

  it("describes each source's body in the OpenAPI document, with every field its adapter reads, and validates nothing against it", async () => {
    const { app, tokens } = await setUp();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    type JsonSchema = { $ref?: string; allOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; items?: JsonSchema; required?: string[] };
    // A described reference comes as { description, allOf: [{ $ref }] }.
    const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined =>
      schema?.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema?.allOf?.length === 1 ? resolve(schema.allOf[0]) : schema;
    // A field of a schema, or of any of its alternatives.
    const propertyOf = (schema: JsonSchema | undefined, key: string): JsonSchema | undefined =>
      schema?.anyOf ? schema.anyOf.map((alternative) => propertyOf(resolve(alternative), key)).find((found) => found !== undefined) : resolve(schema?.properties?.[key]);
    const fieldAt = (schema: JsonSchema, path: string) => path.split('.').reduce<JsonSchema | undefined>((at, key) => propertyOf(resolve(at), key), schema);
    const bodyOf = (source: SourceName, mediaType = 'application/json'): JsonSchema => {
      const schema = resolve(document.paths[`/webhooks/${source}`].post.requestBody?.content[mediaType]?.schema);
      expect(schema, `${source} ${mediaType}`).toBeDefined();
      return schema!;
    };

    // The fields each adapter reads, at the paths it reports problems at (and the envelopes' own).
    const fieldsRead: Record<Exclude<SourceName, 'generic'>, string[]> = {
      delighted: ['event_type', 'event_id', 'event_data.survey_type', ...FIELD_PATHS.delighted],
      wootric: ['event_name', 'survey_mode', 'decline', ...FIELD_PATHS.wootric],
      asknicely: ['count', ...FIELD_PATHS.asknicely],
      retently: [BODY_SECRET_FIELD, ...FIELD_PATHS.retently],
    };
    for (const [source, paths] of Object.entries(fieldsRead) as [SourceName, string[]][]) {
      for (const path of paths) expect(fieldAt(bodyOf(source), path), `${source}: ${path}`).toBeDefined();
    }
    expect(fieldAt(bodyOf('delighted'), 'event_data.person.email')).toMatchObject({ type: 'string' });
    expect(bodyOf('wootric', 'application/x-www-form-urlencoded')).toEqual(bodyOf('wootric'));
    // The generic form: one response, a list of them, or { responses: [...] }.
    const [one, list, wrapped] = bodyOf('generic').anyOf!;
    for (const response of [resolve(one)!, resolve(list!.items)!, resolve(fieldAt(wrapped!, 'responses')!.items)!]) {
      expect(Object.keys(response.properties!)).toEqual(['id', 'email', 'score', 'respondedAt', 'comment', 'source']);
      expect(response.required).toEqual(['email', 'score', 'respondedAt']);
    }

    // The vendors' payloads in the fixtures fit what is documented.
    const fixtures: Record<SourceName, unknown[]> = {
      delighted: [delightedEvent(), delightedCommentUpdate(), delightedUnsubscribe()],
      wootric: [wootricResponseEvent(), wootricDeclineEvent()],
      asknicely: [askNicelyPayload()],
      retently: [retentlyPayload()],
      generic: [genericResponse(), [genericResponse()], { responses: [genericResponse()] }],
    };
    for (const source of SOURCES) {
      for (const payload of fixtures[source]) expect(webhookBodySchemas[source].safeParse(payload).error, source).toBeUndefined();
    }

    // Documentation only: a body outside it still reaches the adapter, which names the vendor's path.
    const outside = delightedEvent({ event_data: { score: 'eleven' } });
    const refused = await app.inject({ method: 'POST', ...withToken(signedDelivery('delighted', JSON.stringify(outside)), tokens.ingest) });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'invalid_payload', issues: [{ path: 'event_data.score' }] });
    await app.close();
  });
});

/** The payload paths each adapter reads its response from, as it reports them. */
const FIELD_PATHS = Object.fromEntries(
  (['delighted', 'wootric', 'asknicely', 'retently'] as const).map((source) => {
    const sample: unknown = JSON.parse(SAMPLE_BODIES[source]());
    const outcome = source === 'retently' ? sourceAdapters.retently.parse(sample, defaultRetentlyFieldMapping) : sourceAdapters[source].parse(sample);
    if (outcome.kind !== 'response') throw new Error(`the ${source} sample is not a response`);
    return [source, Object.values(outcome.paths).filter((path) => path !== undefined)];
  }),
) as Record<'delighted' | 'wootric' | 'asknicely' | 'retently', string[]>;

function signatureHeaderOf(source: SourceName): string {
  return { delighted: 'x-delighted-webhook-signature', wootric: 'x-wootric-signature', asknicely: 'x-npsloop-secret', retently: 'x-npsloop-secret', generic: 'webhook-signature' }[source];
}

describe('webhook secrets in the configuration', () => {
  it('takes one optional secret per source and refuses a weak or malformed one, naming the variable', () => {
    expect(configWithSecrets().webhookSecrets).toEqual(WEBHOOK_SECRETS);
    expect(testConfig().webhookSecrets).toEqual({ delighted: undefined, wootric: undefined, asknicely: undefined, retently: undefined, generic: undefined });
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_SECRET_GENERIC: 'plain-text-secret-of-enough-length' })).toThrow(/NPSLOOP_WEBHOOK_SECRET_GENERIC: expected a Standard Webhooks secret/);
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_SECRET_GENERIC: `whsec_${randomBytes(8).toString('base64')}` })).toThrow(/24 to 64 random bytes/);
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_SECRET_ASKNICELY: 'short' })).toThrow(/NPSLOOP_WEBHOOK_SECRET_ASKNICELY: expected a secret of at least 16 characters/);
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_SECRET_DELIGHTED: '' })).toThrow(/NPSLOOP_WEBHOOK_SECRET_DELIGHTED/);
  });
});

describe('deliveryEventId', () => {
  const raw = Buffer.from('{"score": 9}');
  it('uses the signed webhook-id, Delighted\'s event_id, or else the digest of the raw body', () => {
    expect(deliveryEventId('generic', raw, {}, 'msg_1')).toBe('msg_1');
    expect(deliveryEventId('delighted', raw, { event_id: 42 }, null)).toBe('42');
    expect(deliveryEventId('delighted', raw, { event_type: 'x' }, null)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(deliveryEventId('asknicely', raw, { event_id: 'ignored' }, null)).toBe(deliveryEventId('retently', raw, {}, null));
    expect(deliveryEventId('wootric', Buffer.from('{"score":9}'), {}, null)).not.toBe(deliveryEventId('wootric', raw, {}, null));
  });

  it('keeps an over-long id as its digest', () => {
    const id = deliveryEventId('generic', raw, {}, 'm'.repeat(201));
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(deliveryEventId('generic', raw, {}, 'm'.repeat(200))).toBe('m'.repeat(200));
  });
});
