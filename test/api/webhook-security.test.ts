import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { loadConfig } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { askNicelyPayload, delightedEvent, genericResponse, retentlyPayload, wootricResponseEvent } from '../fixtures/vendor-payloads.ts';
import { bearer, createRoleTokens, createTestApi, testConfig } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { webhookDelivery } from '../helpers/webhook-deliveries.ts';

/** Three secrets of each source's form: the one in use, the one it replaced, and one never configured. */
function secretsOfEachForm(): Record<'current' | 'previous' | 'stranger', Record<SourceName, string>> {
  const one = (tag: string) => ({
    delighted: `delighted-${tag}-secret`,
    wootric: `wootric-${tag}-secret`,
    asknicely: `asknicely-${tag}-secret-0123456789`,
    retently: `retently-${tag}-secret-0123456789`,
    generic: `whsec_${randomBytes(32).toString('base64')}`,
  });
  return { current: one('current'), previous: one('previous'), stranger: one('stranger') };
}
const SECRETS = secretsOfEachForm();
const SOURCES = Object.keys(SECRETS.current) as SourceName[];

const BODIES: Record<SourceName, string> = {
  delighted: JSON.stringify(delightedEvent()),
  wootric: JSON.stringify(wootricResponseEvent()),
  asknicely: JSON.stringify(askNicelyPayload()),
  retently: JSON.stringify(retentlyPayload()),
  generic: JSON.stringify(genericResponse()),
};

const FIXTURE_USERS = ['ana.silva@acme.example', 'ben.okafor@globex.example', 'chen.wei@initech.example', 'dana.kim@umbrella.example', 'fay.adams@stark.example'];

/** The environment that configures the current secret of every source, and `extra`. */
function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...Object.fromEntries(SOURCES.map((source) => [`NPSLOOP_WEBHOOK_SECRET_${source.toUpperCase()}`, SECRETS.current[source]])),
    ...extra,
  };
}
const withPreviousSecrets = () =>
  environment(Object.fromEntries(SOURCES.map((source) => [`NPSLOOP_WEBHOOK_SECRET_${source.toUpperCase()}_PREVIOUS`, SECRETS.previous[source]])));

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

async function stored(k: Kysely<Database>) {
  const count = async (table: 'nps_responses' | 'webhook_events' | 'rejected_responses') =>
    Number((await k.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return { responses: await count('nps_responses'), events: await count('webhook_events'), rejections: await count('rejected_responses') };
}
const NOTHING = { responses: 0, events: 0, rejections: 0 };

describeEachBackend('webhook security beyond one static secret', (db) => {
  async function setUp(env: Record<string, string>): Promise<{ app: ApiApp; k: Kysely<Database>; ingest: string }> {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: FIXTURE_USERS });
    const { ingest } = await createRoleTokens(k, csm.id);
    return { app: await createTestApi(k, { config: testConfig(env) }), k, ingest };
  }
  const expectRefused = (response: { statusCode: number; json(): { error: { code: string; message: string } } }, status: number, code: string, message: RegExp, what: string) => {
    expect(response.statusCode, what).toBe(status);
    expect(response.json().error, what).toMatchObject({ code, message: expect.stringMatching(message) });
  };

  describe('secret rotation', () => {
    it('accepts the current and the previous secret of every source, and no other', async () => {
      const { app, k, ingest } = await setUp(withPreviousSecrets());
      for (const source of SOURCES) {
        const stranger = webhookDelivery(source, BODIES[source], SECRETS.stranger[source]);
        expectRefused(await app.inject({ method: 'POST', ...stranger, headers: { ...stranger.headers, ...bearer(ingest) } }), 401, 'invalid_signature', /does not match|no v1 signature/, source);
      }
      expect(await stored(k)).toEqual(NOTHING);

      for (const source of SOURCES) {
        for (const which of ['previous', 'current'] as const) {
          const delivery = webhookDelivery(source, BODIES[source], SECRETS[which][source]);
          const response = await app.inject({ method: 'POST', ...delivery, headers: { ...delivery.headers, ...bearer(ingest) } });
          expect(response.statusCode, `${source} with the ${which} secret: ${response.body}`).toBe(202);
        }
      }
      expect((await stored(k)).responses).toBe(SOURCES.length);
      await app.close();
    });

    it('refuses the previous secret once it is no longer configured', async () => {
      const { app, k, ingest } = await setUp(environment());
      for (const source of SOURCES) {
        const delivery = webhookDelivery(source, BODIES[source], SECRETS.previous[source]);
        expectRefused(await app.inject({ method: 'POST', ...delivery, headers: { ...delivery.headers, ...bearer(ingest) } }), 401, 'invalid_signature', /./, source);
      }
      expect(await stored(k)).toEqual(NOTHING);
      await app.close();
    });
  });

  describe('HTTP Basic credentials carrying the shared secret', () => {
    for (const source of ['asknicely', 'retently'] as const) {
      it(`takes ${source}'s secret as the Basic password, with the API token in the query`, async () => {
        const { app, k, ingest } = await setUp(withPreviousSecrets());
        const post = (headers: Record<string, string>, url = `/webhooks/${source}?token=${ingest}`) =>
          app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: BODIES[source] });

        expectRefused(await post(basic('npsloop', SECRETS.stranger[source])), 401, 'invalid_signature', /^the password of the Basic credentials does not match$/, 'wrong password');
        expectRefused(await post({ authorization: 'Basic not base64!' }), 401, 'invalid_signature', /not base64/, 'malformed');
        expectRefused(await post({ authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }), 401, 'invalid_signature', /no password/, 'no password');
        // Every secret sent must match: a right header does not excuse a wrong password.
        expectRefused(
          await post({ 'x-npsloop-secret': SECRETS.current[source], ...basic('npsloop', SECRETS.stranger[source]) }),
          401,
          'invalid_signature',
          /Basic credentials does not match/,
          'right header, wrong password',
        );
        // Basic credentials are not an API token: without ?token= the route is closed.
        expectRefused(await post(basic('npsloop', SECRETS.current[source]), `/webhooks/${source}`), 401, 'unauthenticated', /API token is required/, 'no token');
        expect(await stored(k)).toEqual(NOTHING);

        const accepted = await post(basic('npsloop', SECRETS.current[source]));
        expect(accepted.statusCode, accepted.body).toBe(202);
        expect(accepted.json()).toMatchObject({ inserted: 1 });
        // The previous secret serves during rotation here too; the user name is not checked.
        expect((await post(basic('anyone', SECRETS.previous[source]))).statusCode).toBe(202);
        expect(await stored(k)).toMatchObject({ responses: 1 });
        await app.close();
      });
    }

    it('still takes only a Bearer token on the other routes', async () => {
      const { app } = await setUp(environment());
      expectRefused(await app.inject({ method: 'GET', url: '/lists', headers: basic('npsloop', SECRETS.current.asknicely) }), 401, 'unauthenticated', /Bearer/, 'Basic on /lists');
      await app.close();
    });
  });

  describe("Retently's secret in its editable body", () => {
    const withBodySecret = (secret: unknown, overrides = {}) => JSON.stringify({ ...retentlyPayload(overrides), npsloop_secret: secret });
    const post = (app: ApiApp, ingest: string, body: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/webhooks/retently', headers: { ...bearer(ingest), 'content-type': 'application/json', ...headers }, payload: body });

    it('accepts the body field, then stores the delivery without it, the rejection log included', async () => {
      const { app, k, ingest } = await setUp(withPreviousSecrets());
      const accepted = await post(app, ingest, withBodySecret(SECRETS.current.retently));
      expect(accepted.statusCode, accepted.body).toBe(202);
      expect(accepted.json()).toMatchObject({ inserted: 1 });
      expect((await post(app, ingest, withBodySecret(SECRETS.previous.retently, { score: 9 }))).json()).toMatchObject({ updated: 1 });

      // A response from a stranger is kept in the rejection log with its payload: the secret is gone from it.
      const rejected = await post(app, ingest, withBodySecret(SECRETS.current.retently, { email: 'stranger@else.example', id: 'r-2' }));
      expect(rejected.json()).toMatchObject({ rejected: [{ reason: 'unknown_user' }] });
      const [rejection] = await k.selectFrom('rejected_responses').select('payload').execute();
      expect(rejection?.payload).toMatchObject({ email: 'stranger@else.example' });
      expect(JSON.stringify(rejection?.payload)).not.toContain('npsloop_secret');
      const everythingStored = JSON.stringify(await k.selectFrom('webhook_events').selectAll().execute());
      for (const secret of [SECRETS.current.retently, SECRETS.previous.retently]) expect(everythingStored).not.toContain(secret);
      await app.close();
    });

    it('refuses a wrong, non-string or contradicted body secret, and stores nothing', async () => {
      const { app, k, ingest } = await setUp(environment());
      const what = /^the body's npsloop_secret field does not match$/;
      expectRefused(await post(app, ingest, withBodySecret(SECRETS.stranger.retently)), 401, 'invalid_signature', what, 'wrong');
      expectRefused(await post(app, ingest, withBodySecret(12345)), 401, 'invalid_signature', what, 'a number');
      expectRefused(
        await post(app, ingest, withBodySecret(SECRETS.stranger.retently), { 'x-npsloop-secret': SECRETS.current.retently }),
        401,
        'invalid_signature',
        what,
        'right header, wrong body',
      );
      expectRefused(
        await post(app, ingest, JSON.stringify(retentlyPayload())),
        401,
        'invalid_signature',
        /^no shared secret: send it in the x-npsloop-secret header, the password of HTTP Basic credentials or the body's npsloop_secret field$/,
        'none',
      );
      expect(await stored(k)).toEqual(NOTHING);
      await app.close();
    });

    it('is no secret for AskNicely, whose body the customer cannot edit', async () => {
      const { app, k, ingest } = await setUp(environment());
      const body = JSON.stringify({ ...askNicelyPayload(), npsloop_secret: SECRETS.current.asknicely });
      const response = await app.inject({ method: 'POST', url: '/webhooks/asknicely', headers: { ...bearer(ingest), 'content-type': 'application/json' }, payload: body });
      expectRefused(response, 401, 'invalid_signature', /^no shared secret: send it in the x-npsloop-secret header or the password of HTTP Basic credentials$/, 'body field');
      expect(await stored(k)).toEqual(NOTHING);
      await app.close();
    });
  });

  describe('source address allowlist', () => {
    const allowAskNicely = (extra: Record<string, string> = {}) => environment({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: '203.0.113.0/24, 2001:db8::/32', ...extra });
    const deliver = (app: ApiApp, ingest: string, source: SourceName, remoteAddress: string, headers: Record<string, string> = {}, payload = BODIES[source]) => {
      const delivery = webhookDelivery(source, payload, SECRETS.current[source]);
      return app.inject({ method: 'POST', ...delivery, payload, remoteAddress, headers: { ...delivery.headers, ...bearer(ingest), ...headers } });
    };

    it('takes a source\'s deliveries only from its ranges, IPv4, IPv6 and IPv4-mapped, and others from anywhere', async () => {
      const { app, k, ingest } = await setUp(allowAskNicely());
      for (const outside of ['198.51.100.7', '203.0.114.1', '2001:db9::1', '::ffff:198.51.100.7']) {
        expectRefused(
          await deliver(app, ingest, 'asknicely', outside),
          403,
          'sender_not_allowed',
          new RegExp(`^asknicely deliveries are taken only from the addresses in NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY; this one came from ${outside.replace(/\./g, '\\.')}$`),
          outside,
        );
      }
      // Refused before the body is read: a malformed one makes no difference.
      expectRefused(await deliver(app, ingest, 'asknicely', '198.51.100.7', {}, '{"count": '), 403, 'sender_not_allowed', /./, 'malformed body');
      expect(await stored(k)).toEqual(NOTHING);

      for (const inside of ['203.0.113.9', '2001:db8::5', '::ffff:203.0.113.10']) {
        expect((await deliver(app, ingest, 'asknicely', inside)).statusCode, inside).toBe(202);
      }
      expect((await deliver(app, ingest, 'delighted', '198.51.100.7')).statusCode, 'delighted has no allowlist').toBe(202);
      await app.close();
    });

    it('believes X-Forwarded-For only from a configured proxy, so no sender can claim an allowed address', async () => {
      const { app: direct, k, ingest } = await setUp(allowAskNicely());
      expectRefused(
        await deliver(direct, ingest, 'asknicely', '198.51.100.7', { 'x-forwarded-for': '203.0.113.9' }),
        403,
        'sender_not_allowed',
        /came from 198\.51\.100\.7$/,
        'X-Forwarded-For without a trusted proxy',
      );
      await direct.close();

      const app = await createTestApi(k, { config: testConfig(allowAskNicely({ NPSLOOP_TRUSTED_PROXIES: '10.0.0.1' })) });
      expect((await deliver(app, ingest, 'asknicely', '10.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(202);
      expectRefused(await deliver(app, ingest, 'asknicely', '10.0.0.1', { 'x-forwarded-for': '198.51.100.7' }), 403, 'sender_not_allowed', /came from 198\.51\.100\.7$/, 'outside, through the proxy');
      // The client can prepend whatever it likes; the proxy appends the address it saw, which is the one used.
      expectRefused(
        await deliver(app, ingest, 'asknicely', '10.0.0.1', { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' }),
        403,
        'sender_not_allowed',
        /came from 198\.51\.100\.7$/,
        'a forged first hop',
      );
      expectRefused(
        await deliver(app, ingest, 'asknicely', '198.51.100.8', { 'x-forwarded-for': '203.0.113.9' }),
        403,
        'sender_not_allowed',
        /came from 198\.51\.100\.8$/,
        'X-Forwarded-For from a stranger',
      );
      await app.close();
    });

    it('checks the address a real connection comes from', async () => {
      const { app: inside, k, ingest } = await setUp(environment({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: '127.0.0.0/8' }));
      const outside = await createTestApi(k, { config: testConfig(environment({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: '203.0.113.0/24' })) });
      const answers: number[] = [];
      for (const app of [inside, outside]) {
        const address = await app.listen({ host: '127.0.0.1', port: 0 });
        const delivery = webhookDelivery('asknicely', BODIES.asknicely, SECRETS.current.asknicely);
        const response = await fetch(`${address}${delivery.url}`, { method: 'POST', headers: { ...delivery.headers, ...bearer(ingest) }, body: delivery.payload });
        answers.push(response.status);
        await app.close();
      }
      expect(answers).toEqual([202, 403]);
    });
  });
});

describe('webhook security settings', () => {
  it('reads previous secrets, allowlists and trusted proxies, IPv4 and IPv6', () => {
    const config = loadConfig({
      ...withPreviousSecrets(),
      NPSLOOP_WEBHOOK_ALLOWED_IPS_RETENTLY: ' 203.0.113.7 ,198.51.100.0/24,2001:db8::/32 ',
      NPSLOOP_TRUSTED_PROXIES: '10.0.0.0/8,::1',
    });
    expect(config.webhookPreviousSecrets).toEqual(SECRETS.previous);
    expect(config.webhookAllowedAddresses).toEqual({
      delighted: undefined,
      wootric: undefined,
      asknicely: undefined,
      generic: undefined,
      retently: [
        { network: '203.0.113.7', prefix: 32, family: 'ipv4' },
        { network: '198.51.100.0', prefix: 24, family: 'ipv4' },
        { network: '2001:db8::', prefix: 32, family: 'ipv6' },
      ],
    });
    expect(config.http.trustedProxies).toEqual(['10.0.0.0/8', '::1/128']);
    expect(loadConfig({}).http.trustedProxies).toEqual([]);
  });

  it('refuses a previous secret without a current one, and a bad address or range, naming the variable and the entry', () => {
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_SECRET_RETENTLY_PREVIOUS: SECRETS.previous.retently })).toThrow(
      'NPSLOOP_WEBHOOK_SECRET_RETENTLY_PREVIOUS: expected to be set only beside NPSLOOP_WEBHOOK_SECRET_RETENTLY, the secret replacing it',
    );
    expect(() => loadConfig({ ...environment(), NPSLOOP_WEBHOOK_SECRET_ASKNICELY_PREVIOUS: 'short' })).toThrow(/NPSLOOP_WEBHOOK_SECRET_ASKNICELY_PREVIOUS: expected a secret of at least 16 characters/);
    expect(() => loadConfig({ ...environment(), NPSLOOP_WEBHOOK_SECRET_GENERIC_PREVIOUS: 'whsec_short' })).toThrow(/NPSLOOP_WEBHOOK_SECRET_GENERIC_PREVIOUS: expected a Standard Webhooks secret/);
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: '203.0.113.0/24, asknicely.com' })).toThrow(
      /NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: expected a comma-separated list of IP addresses or CIDR ranges such as .*; "asknicely\.com" is not an IP address or CIDR range/,
    );
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: '203.0.113.0/33' })).toThrow(/"203\.0\.113\.0\/33" has a prefix length outside 0\.\.32/);
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: '2001:db8::/129' })).toThrow(/outside 0\.\.128/);
    expect(() => loadConfig({ NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: ' , ' })).toThrow(/NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: .*it is empty/);
    expect(() => loadConfig({ NPSLOOP_TRUSTED_PROXIES: '10.0.0.1/8/1' })).toThrow(/NPSLOOP_TRUSTED_PROXIES: .*"10\.0\.0\.1\/8\/1" is not an IP address or CIDR range/);
  });
});
