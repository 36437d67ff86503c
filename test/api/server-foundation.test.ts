import { describe, expect, it } from 'vitest';
import { createApiToken, revokeApiToken } from '../../db/queries/api-tokens.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { createRoleTokens, createTestApi } from '../helpers/test-api.ts';

describeEachBackend('HTTP API foundation', (db) => {
  it('answers health checks without a token, with a request id', async () => {
    const app = await createTestApi(db().kysely);
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });

  it('says it is ready while the database answers, without a token', async () => {
    const app = await createTestApi(db().kysely);
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
    await app.close();
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const app = await createTestApi(db().kysely);
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.paths['/healthz'].get.responses['200']).toBeDefined();
    expect(document.paths['/r/{token}'].get.parameters[0]).toMatchObject({ name: 'token', in: 'path' });
    // Every reference points at a component the document holds.
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(document.components.schemas[ref], ref).toBeDefined();
    await app.close();
  });

  it('sends unknown routes a 404 in the stable error shape', async () => {
    const app = await createTestApi(db().kysely);
    const response = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /nowhere', requestId: response.headers['x-request-id'] } });
    await app.close();
  });

  it('stores tokens only as hashes and refuses revoked ones', async () => {
    const k = db().kysely;
    const { csm } = await seedAccount(k);
    const tokens = await createRoleTokens(k, csm.id);
    const stored = await k.selectFrom('api_tokens').select(['token_hash', 'token_prefix']).execute();
    for (const token of Object.values(tokens)) {
      expect(stored.some((row) => row.token_hash.includes(token) || token === row.token_hash)).toBe(false);
      expect(stored.some((row) => token.startsWith(row.token_prefix))).toBe(true);
    }
    const extra = await createApiToken(k, { name: 'to revoke', role: 'admin' });
    expect(await revokeApiToken(k, extra.id)).toBe(true);
    expect(await revokeApiToken(k, extra.id)).toBe(false);
  });

  it('checks in the database that a csm token names its CSM and other roles none', async () => {
    const k = db().kysely;
    await expect(createApiToken(k, { name: 'x', role: 'csm' })).rejects.toThrow(/check/i);
    const { csm } = await seedAccount(k);
    await expect(createApiToken(k, { name: 'x', role: 'admin', csmId: csm.id })).rejects.toThrow(/check/i);
  });
});

describe('route table', () => {
  it('refuses to start a server with a route that declares no access', async () => {
    const { createServer } = await import('../../api/create-server.ts');
    const { Client } = await import('@temporalio/client');
    const { testConfig } = await import('../helpers/test-api.ts');
    const { openDatabase } = await import('../../db/connect.ts');
    const database = await openDatabase({ kind: 'pglite' });
    const app = await createServer({ db: database.kysely, temporal: new Client(), config: testConfig(), reviewLinks: { publicBaseUrl: 'http://x', secret: 'y'.repeat(32) }, logger: false });
    expect(() => app.get('/open', async () => 'oops')).toThrow(/declares no access/);
    await app.close();
    await database.close();
  });
});
