import { sql } from 'kysely';
import { z } from 'zod';
import { databaseUnavailable, errorResponseSchema } from '../api-error.ts';
import { publicRoute } from '../auth/access.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';

/** A probe that waits longer than this for the database counts it as unavailable. */
const READINESS_TIMEOUT_MS = 2_000;

/**
 * Liveness, readiness and the OpenAPI document. Liveness says only that the process answers: a
 * database outage must not get the process restarted, since its pool reconnects by itself once
 * the database is back. Readiness says whether requests can be served now, so a load balancer
 * stops sending traffic during the outage.
 */
export function registerServiceRoutes(app: ApiApp, deps: ApiDependencies): void {
  app.get(
    '/healthz',
    {
      config: { access: publicRoute('load balancers probe it without credentials') },
      schema: { tags: ['service'], summary: 'liveness: the process answers', security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: publicRoute('orchestrators probe it without credentials; it tells only whether the database answers') },
      schema: {
        tags: ['service'],
        summary: 'readiness: the database answers',
        description: '503 `database_unavailable` with `Retry-After` while the database cannot be reached.',
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), 503: errorResponseSchema },
      },
    },
    async (request) => {
      try {
        await withinMs(READINESS_TIMEOUT_MS, sql`select 1`.execute(deps.db));
      } catch (error) {
        request.log.warn({ err: error }, 'not ready: the database does not answer');
        throw databaseUnavailable('the database does not answer: not ready');
      }
      return { status: 'ready' as const };
    },
  );
  app.get(
    '/openapi.json',
    { config: { access: publicRoute('the API description holds no data'), }, schema: { hide: true } },
    async () => app.swagger(),
  );
}

async function withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
