import { expect, it } from 'vitest';
import type { SourceName } from '../../ingest/sources/index.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { askNicelyPayload, delightedEvent, genericResponse, retentlyPayload, wootricResponseEvent } from '../fixtures/vendor-payloads.ts';
import { postOverSocket } from '../helpers/http-request.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { configWithSecrets, signedDelivery, withToken } from '../helpers/webhook-deliveries.ts';

const FIXTURE_USERS = ['ana.silva@acme.example', 'ben.okafor@globex.example', 'chen.wei@initech.example', 'dana.kim@umbrella.example', 'fay.adams@stark.example'];

/** Dates beyond what a response can carry, and how each is refused. */
const OUT_OF_RANGE: [value: unknown, message: string][] = [
  [1e16, 'is not a unix time in seconds or milliseconds: 10000000000000000'],
  [1e20, 'is not a unix time in seconds or milliseconds: 100000000000000000000'],
  [-1e16, 'is not a unix time in seconds or milliseconds: -10000000000000000'],
  ['0000-01-01T00:00:00Z', 'is before 2000-01-01, earlier than any NPS response: 0000-01-01T00:00:00.000Z'],
  ['+010000-01-01T00:00:00Z', 'is in the future: +010000-01-01T00:00:00.000Z'],
  [946_684_799, 'is before 2000-01-01, earlier than any NPS response: 1999-12-31T23:59:59.000Z'],
];
/** The first accepted date, in the forms tools send it. */
const AT_THE_EDGE: unknown[] = ['2000-01-01T00:00:00Z', 946_684_800, 946_684_800_000];

/** Each source's payload with `value` where it carries the response's date, and that field's path. */
const DATED: Record<SourceName, { path: string; body: (value: unknown, n: number) => unknown }> = {
  delighted: { path: 'event_data.created_at', body: (value, n) => delightedEvent({ event_id: `evt_${n}`, event_data: { id: `d${n}`, created_at: value } }) },
  wootric: { path: 'response.created_at', body: (value, n) => wootricResponseEvent({ response: { id: 5000 + n, created_at: value, updated_at: value } }) },
  asknicely: { path: 'question.responded', body: (value, n) => askNicelyPayload({ question: { id: `q${n}`, responded: value } }) },
  retently: { path: 'createdDate', body: (value, n) => retentlyPayload({ id: `rt${n}`, createdDate: value }) },
  generic: { path: 'respondedAt', body: (value, n) => genericResponse({ id: `g${n}`, respondedAt: value }) },
};

describeEachBackend('response dates at and beyond their edges', (db) => {
  async function setUp() {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: FIXTURE_USERS });
    const tokens = await createRoleTokens(k, csm.id);
    return { app: await createTestApi(k, { config: configWithSecrets() }), k, tokens };
  }

  it('on every webhook source: the first accepted date is stored, a date beyond is refused 422 at its field, and no retry fails', async () => {
    const { app, k, tokens } = await setUp();
    let n = 0;
    for (const source of Object.keys(DATED) as SourceName[]) {
      const { path, body } = DATED[source];
      const deliver = (value: unknown) => app.inject({ method: 'POST', ...withToken(signedDelivery(source, JSON.stringify(body(value, ++n))), tokens.ingest) });
      for (const value of AT_THE_EDGE) {
        const response = await deliver(value);
        expect(response.statusCode, `${source} ${JSON.stringify(value)}: ${response.body}`).toBe(202);
        expect(response.json().inserted, `${source} ${JSON.stringify(value)}`).toBe(1);
      }
      for (const [value, message] of OUT_OF_RANGE) {
        const response = await deliver(value);
        expect(response.statusCode, `${source} ${JSON.stringify(value)}: ${response.body}`).toBe(422);
        expect(response.json().error.issues, `${source} ${JSON.stringify(value)}`).toEqual([{ path, message }]);
      }
    }
    const stored = await k.selectFrom('nps_responses').select('responded_at').execute();
    expect(stored).toHaveLength(5 * AT_THE_EDGE.length);
    for (const { responded_at } of stored) expect(responded_at.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    const rejected = await k.selectFrom('rejected_responses').select(['source', 'reason']).execute();
    expect(rejected).toHaveLength(5 * OUT_OF_RANGE.length);
    await app.close();
  });

  it('in a generic batch: each date beyond is rejected at its item, and the responses beside it are stored', async () => {
    const { app, k, tokens } = await setUp();
    const responses = [
      genericResponse({ id: 'good-before' }),
      ...OUT_OF_RANGE.map(([value], i) => genericResponse({ id: `bad-${i}`, respondedAt: value })),
      genericResponse({ id: 'good-after', respondedAt: AT_THE_EDGE[0] }),
    ];
    const response = await app.inject({ method: 'POST', ...withToken(signedDelivery('generic', JSON.stringify({ responses })), tokens.ingest) });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ received: responses.length, inserted: 2 });
    expect(response.json().rejected).toEqual(
      OUT_OF_RANGE.map(([, message], i) => ({ reason: 'invalid', sourceResponseId: `bad-${i}`, issues: [{ path: `responses[${i + 1}].respondedAt`, message }] })),
    );
    expect(await k.selectFrom('nps_responses').select('source_response_id').orderBy('source_response_id').execute()).toEqual([
      { source_response_id: 'good-after' },
      { source_response_id: 'good-before' },
    ]);
    await app.close();
  });

  it('in a CSV import over HTTP: each date beyond is a rejected row with its line, and the other rows are imported', async () => {
    const { app, k, tokens } = await setUp();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    // A CSV carries text: the numbers are written as a spreadsheet would write them.
    const beyond = ['10000000000000000', '100000000000000000000', '-10000000000000000', '0000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '946684799', '1999-12-31T23:59:59Z'];
    const file = [
      'email,score,respondedAt,responseId',
      ...beyond.map((value, i) => `ana.silva@acme.example,9,${value},bad-${i}`),
      'ana.silva@acme.example,9,2000-01-01T00:00:00Z,edge-iso',
      'ana.silva@acme.example,9,946684800,edge-seconds',
    ].join('\n');
    const answer = await postOverSocket(`${url}/imports/responses?since=1999-01-01`, { ...bearer(tokens.ingest), 'content-type': 'text/csv' }, file);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toMatchObject({ rows: beyond.length + 2, inserted: 2, rejected: beyond.length, skipped: 0 });
    expect(answer.json().rejections.map((r: { line: number; issues: { path: string; message: string }[] }) => [r.line, r.issues])).toEqual([
      [2, [{ path: 'respondedAt', message: 'is not a date: "10000000000000000"' }]],
      [3, [{ path: 'respondedAt', message: 'is not a date: "100000000000000000000"' }]],
      [4, [{ path: 'respondedAt', message: 'is not a date: "-10000000000000000"' }]],
      [5, [{ path: 'respondedAt', message: 'is before 2000-01-01, earlier than any NPS response: 0000-01-01T00:00:00.000Z' }]],
      [6, [{ path: 'respondedAt', message: 'is in the future: +010000-01-01T00:00:00.000Z' }]],
      [7, [{ path: 'respondedAt', message: 'is before 2000-01-01, earlier than any NPS response: 1999-12-31T23:59:59.000Z' }]],
      [8, [{ path: 'respondedAt', message: 'is before 2000-01-01, earlier than any NPS response: 1999-12-31T23:59:59.000Z' }]],
    ]);
    expect(await k.selectFrom('nps_responses').select('source_response_id').orderBy('source_response_id').execute()).toEqual([
      { source_response_id: 'edge-iso' },
      { source_response_id: 'edge-seconds' },
    ]);
    expect(await k.selectFrom('rejected_responses').select('line').orderBy('line').execute()).toEqual(beyond.map((_, i) => ({ line: i + 2 })));
    await app.close();
  });
});
