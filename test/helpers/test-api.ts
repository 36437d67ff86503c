import { Client } from '@temporalio/client';
import type { InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { createServer } from '../../api/create-server.ts';
import { loadConfig, type Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { API_ROLES, type ApiRole } from '../../db/tables/api-tokens.ts';

export const TEST_LINK_SECRET = 'test-link-secret-of-at-least-32-characters';

/** A test configuration: the embedded defaults plus `env`. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NPSLOOP_DATA_DIR: '/tmp/npsloop-api-tests', ...env });
}

/**
 * The API over a test database, without logs. `temporal` defaults to a lazy client that never
 * connects: enough for routes that signal no workflow.
 */
export async function createTestApi(
  db: Kysely<Database>,
  { temporal = new Client(), config = testConfig() }: { temporal?: Client; config?: Config } = {},
): Promise<ApiApp> {
  const app = await createServer({
    db,
    temporal,
    config,
    reviewLinks: { publicBaseUrl: config.publicUrl, secret: TEST_LINK_SECRET },
    logger: false,
  });
  await app.ready();
  return app;
}

/** One token per role; the csm token acts for `csmId`. */
export async function createRoleTokens(db: Kysely<Database>, csmId: number) {
  const [admin, csm, ingest] = await Promise.all([
    createApiToken(db, { name: 'test admin', role: 'admin' }),
    createApiToken(db, { name: 'test csm', role: 'csm', csmId }),
    createApiToken(db, { name: 'test ingest', role: 'ingest' }),
  ]);
  return { admin: admin.token, csm: csm.token, ingest: ingest.token };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * The access half of a route's test: without a token and with an unknown one the request gets
 * 401, with each role outside `allowed` 403, and none of them reaches the handler.
 */
export async function expectRefusedUnlessRole(
  app: ApiApp,
  tokens: Record<ApiRole, string>,
  request: InjectOptions,
  allowed: readonly ApiRole[],
): Promise<void> {
  const { authorization: _ignored, ...headers } = (request.headers ?? {}) as Record<string, string>;
  const send = (extra: Record<string, string>) => app.inject({ ...request, headers: { ...headers, ...extra } });
  expect((await send({})).statusCode, `${request.method} ${request.url} without a token`).toBe(401);
  expect((await send(bearer('nps_not-a-real-token'))).statusCode, `${request.method} ${request.url} with an unknown token`).toBe(401);
  for (const role of API_ROLES.filter((r) => !allowed.includes(r))) {
    const response = await send(bearer(tokens[role]));
    expect(response.statusCode, `${request.method} ${request.url} as ${role}`).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  }
}
