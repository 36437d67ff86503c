import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { limitedBodyStream } from '../../api/limited-body-stream.ts';
import type { Database } from '../../db/database.ts';
import { ingestPayloads } from '../../ingest/ingest-payloads.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { accountRecord, csmRecord, ticketRecord, userRecord } from '../fixtures/sync-records.ts';
import { genericResponse } from '../fixtures/vendor-payloads.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const csvHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'text/csv' });

async function countOf(k: Kysely<Database>, table: 'csms' | 'accounts' | 'users' | 'tickets' | 'nps_responses' | 'rejected_responses') {
  return Number((await k.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
}

describeEachBackend('sync routes', (db) => {
  async function setUp() {
    const k = db().kysely;
    const { csm } = await seedAccount(k);
    const tokens = await createRoleTokens(k, csm.id);
    return { app: await createTestApi(k), k, tokens };
  }

  it('lets ingest and admin tokens sync and import, and refuses everyone else before writing anything', async () => {
    const { app, k, tokens } = await setUp();
    const before = { csms: await countOf(k, 'csms'), responses: await countOf(k, 'nps_responses') };
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: '/sync/csms', payload: { records: [csmRecord()] } }, ['ingest', 'admin']);
    await expectRefusedUnlessRole(
      app,
      tokens,
      { method: 'POST', url: '/sync/csms', headers: { 'content-type': 'text/csv' }, payload: 'externalId,email,name\nc9,c9@cs.example,C9\n' },
      ['ingest', 'admin'],
    );
    const history = 'email,score,respondedAt\nuser1@acct1.example,9,2026-11-01T10:00:00Z\n';
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: '/imports/responses', headers: { 'content-type': 'text/csv' }, payload: history }, ['ingest', 'admin']);
    expect({ csms: await countOf(k, 'csms'), responses: await countOf(k, 'nps_responses') }).toEqual(before);

    for (const token of [tokens.ingest, tokens.admin]) {
      const response = await app.inject({ method: 'POST', url: '/sync/csms', headers: bearer(token), payload: { records: [csmRecord()] } });
      expect(response.statusCode).toBe(200);
    }
    await app.close();
  });

  it('syncs CSMs, accounts, users and tickets from JSON, and takes the responses waiting for the new users', async () => {
    const { app, k, tokens } = await setUp();
    const post = (kind: string, records: unknown[]) => app.inject({ method: 'POST', url: `/sync/${kind}`, headers: bearer(tokens.ingest), payload: { records } });
    await ingestPayloads(k, 'generic', [genericResponse({ email: 'fay@stark.example' })], { now: new Date(), timeZone: 'UTC', counting: 'every_response' });

    expect((await post('csms', [csmRecord({ externalId: 'csm-ann' })])).json()).toEqual({
      received: 1,
      upserted: 1,
      rejected: [],
      responsesTaken: 0,
      healthChanges: 0,
      ownerChanges: [],
      tasksReassigned: [],
      tasksNotReassigned: [],
    });
    expect((await post('accounts', [accountRecord({ externalId: 'stark', csmExternalId: 'csm-ann' })])).json()).toMatchObject({ upserted: 1 });
    const users = await post('users', [userRecord({ accountExternalId: 'stark', email: 'Fay@Stark.example' }), userRecord({ accountExternalId: 'nowhere' })]);
    expect(users.statusCode).toBe(200);
    expect(users.json()).toMatchObject({
      received: 2,
      upserted: 1,
      responsesTaken: 1,
      rejected: [{ index: 1, issues: [{ path: 'accountExternalId', message: 'no account with external id "nowhere" is known to this instance' }] }],
    });
    expect(users.json().rejected[0]).not.toHaveProperty('line');
    expect((await post('tickets', [ticketRecord({ accountExternalId: 'stark' })])).json()).toMatchObject({ upserted: 1 });
    expect(await countOf(k, 'nps_responses')).toBe(1);
    expect(await countOf(k, 'tickets')).toBe(1);
    await app.close();
  });

  it('syncs a CSV body, reporting each bad row with its line and column', async () => {
    const { app, k, tokens } = await setUp();
    await app.inject({ method: 'POST', url: '/sync/accounts', headers: bearer(tokens.ingest), payload: { records: [accountRecord({ externalId: 'acme' })] } });
    const csv = [
      'externalId,accountExternalId,email,role,attr.plan',
      'u1,acme,Bo@Acme.COM,admin,gold',
      'u2,acme,not-an-email,,silver',
      'u3,initech,di@acme.com,,',
    ].join('\n');
    const response = await app.inject({ method: 'POST', url: '/sync/users', headers: csvHeaders(tokens.ingest), payload: csv });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      received: 3,
      upserted: 1,
      responsesTaken: 0,
      healthChanges: 0,
      ownerChanges: [],
      tasksReassigned: [],
      tasksNotReassigned: [],
      rejected: [
        { index: 1, line: 3, externalId: 'u2', issues: [{ path: 'email', message: 'must be an email address' }] },
        { index: 2, line: 4, externalId: 'u3', issues: [{ path: 'accountExternalId', message: 'no account with external id "initech" is known to this instance' }] },
      ],
    });
    expect(await k.selectFrom('users').select(['external_id', 'attributes']).where('external_id', '=', 'u1').execute()).toEqual([
      { external_id: 'u1', attributes: { plan: 'gold' } },
    ]);
    await app.close();
  });

  it('refuses a CSV it cannot read, or a body that is not { records }, with where the problem is and nothing synced', async () => {
    const { app, k, tokens } = await setUp();
    const csmsBefore = await countOf(k, 'csms');
    const header = await app.inject({ method: 'POST', url: '/sync/csms', headers: csvHeaders(tokens.ingest), payload: 'externalId,email,nmae\nc1,a@b.example,Ann\n' });
    expect(header.statusCode).toBe(400);
    expect(header.json().error).toMatchObject({
      code: 'invalid_csv',
      message: expect.stringMatching(/^line 1: unknown column "nmae" for a csm .*; nothing was synced$/),
      issues: [{ path: 'line 1', message: expect.stringContaining('unknown column "nmae"') }],
    });
    const ragged = await app.inject({ method: 'POST', url: '/sync/csms', headers: csvHeaders(tokens.ingest), payload: 'externalId,email,name\nc1,a@b.example,Ann\nc2,b@b.example\n' });
    expect(ragged.json().error).toMatchObject({ code: 'invalid_csv', issues: [{ path: 'line 3' }] });

    for (const [payload, message] of [
      [{}, 'is required'],
      [{ records: 'c1' }, 'must be a list of records'],
    ] as const) {
      const response = await app.inject({ method: 'POST', url: '/sync/csms', headers: bearer(tokens.ingest), payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'body.records', message }] });
    }
    const unknownKind = await app.inject({ method: 'POST', url: '/sync/widgets', headers: bearer(tokens.ingest), payload: { records: [] } });
    expect(unknownKind.statusCode).toBe(400);
    expect(unknownKind.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'params.kind' }] });
    const malformed = await app.inject({ method: 'POST', url: '/sync/csms', headers: { ...bearer(tokens.ingest), 'content-type': 'application/json' }, payload: '{"records": [' });
    expect(malformed.json().error.code).toBe('malformed_json');
    expect(await countOf(k, 'csms')).toBe(csmsBefore);
    await app.close();
  });

  it('imports a CSV history: rows rejected with their line, older rows skipped, and a second import changing nothing', async () => {
    const { app, k, tokens } = await setUp();
    const ann = (await k.selectFrom('users').select('email').executeTakeFirstOrThrow()).email;
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    const file = [
      'email,score,respondedAt,comment,responseId',
      `${ann},10,${recent},"Love it, truly",r1`,
      `${ann},11,${recent},,r2`,
      `stranger@else.example,9,${recent},,r3`,
      `${ann},3,2020-01-01T00:00:00Z,,r4`,
    ].join('\n');
    const post = (url = '/imports/responses?source=legacy-tool') => app.inject({ method: 'POST', url, headers: csvHeaders(tokens.ingest), payload: file });
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      rows: 4,
      accepted: 1,
      inserted: 1,
      rejected: 2,
      skipped: 1,
      accountsRecomputed: 1,
      rejections: [
        { line: 3, reason: 'invalid', sourceResponseId: 'r2', issues: [{ path: 'score', message: 'must be from 0 to 10' }] },
        { line: 4, reason: 'unknown_user', sourceResponseId: 'r3' },
      ],
    });
    expect(await k.selectFrom('nps_responses').select(['source', 'source_response_id', 'comment']).execute()).toEqual([
      { source: 'legacy-tool', source_response_id: 'r1', comment: 'Love it, truly' },
    ]);
    expect((await post()).json()).toMatchObject({ inserted: 0, unchanged: 1 });
    const sinceLongAgo = await post('/imports/responses?source=legacy-tool&since=2019-06-01');
    expect(sinceLongAgo.json()).toMatchObject({ since: '2019-06-01T00:00:00.000Z', skipped: 0, inserted: 1 });
    await app.close();
  });

  it('refuses an import it cannot read, with the line, and any body that is not CSV', async () => {
    const { app, k, tokens } = await setUp();
    const header = await app.inject({ method: 'POST', url: '/imports/responses', headers: csvHeaders(tokens.ingest), payload: 'mail,score,respondedAt\n' });
    expect(header.statusCode).toBe(400);
    expect(header.json().error).toMatchObject({ code: 'invalid_csv', message: expect.stringMatching(/^CSV line 1: missing column email/), issues: [{ path: 'line 1' }] });
    const unclosed = await app.inject({
      method: 'POST',
      url: '/imports/responses',
      headers: csvHeaders(tokens.ingest),
      payload: 'email,score,respondedAt,comment\na@b.example,9,2026-11-01,ok\na@b.example,9,2026-11-02,"never closed\n',
    });
    expect(unclosed.statusCode).toBe(400);
    expect(unclosed.json().error).toMatchObject({ code: 'invalid_csv', message: expect.stringMatching(/^CSV line 3: /) });
    const json = await app.inject({ method: 'POST', url: '/imports/responses', headers: bearer(tokens.ingest), payload: { rows: [] } });
    expect(json.statusCode).toBe(415);
    const empty = await app.inject({ method: 'POST', url: '/imports/responses', headers: bearer(tokens.ingest) });
    expect(empty.statusCode).toBe(415);
    expect(empty.json().error.code).toBe('unsupported_media_type');
    const badQuery = await app.inject({ method: 'POST', url: '/imports/responses?months=0', headers: csvHeaders(tokens.ingest), payload: 'email,score,respondedAt\n' });
    expect(badQuery.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'querystring.months' }] });
    expect(await countOf(k, 'nps_responses')).toBe(0);
    await app.close();
  });
});

describe('limitedBodyStream', () => {
  const read = async (stream: Readable) => {
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return text;
  };

  it('passes a body within the limit through', async () => {
    expect(await read(limitedBodyStream(Readable.from([Buffer.from('abc'), Buffer.from('de')]), {}, 5))).toBe('abcde');
  });

  it('fails with 413 once the body passes the limit, or at once when its declared length does', async () => {
    await expect(read(limitedBodyStream(Readable.from([Buffer.from('abc'), Buffer.from('def')]), {}, 5))).rejects.toMatchObject({ statusCode: 413, code: 'body_too_large' });
    expect(() => limitedBodyStream(Readable.from([]), { 'content-length': '6' }, 5)).toThrow(/larger than 5 bytes/);
  });
});
