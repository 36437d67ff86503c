import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { ReviewLinkSettings } from '../activities/review-links.ts';
import type { Database } from '../db/database.ts';
import { followReviewLink } from './review-redirect.ts';

export interface ApiDependencies {
  db: Kysely<Database>;
  temporal: Client;
  reviewLinks: ReviewLinkSettings;
}

/** npsloop's HTTP API. So far: the review-link redirect and a health check. */
export function createServer(deps: ApiDependencies): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get<{ Params: { token: string } }>('/r/:token', async (request, reply) => {
    const target = await followReviewLink(deps, request.params.token, request.headers['user-agent']);
    if (!target) return reply.code(404).send({ error: { code: 'not_found', message: 'this review link is not valid' } });
    return reply.redirect(target.location, 302);
  });

  // A stable error shape, and no stack traces for clients.
  app.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
    request.log.error(error);
    const clientError = error.statusCode !== undefined && error.statusCode < 500;
    void reply.code(clientError ? error.statusCode! : 500).send({
      error: clientError ? { code: 'bad_request', message: error.message ?? 'bad request' } : { code: 'internal', message: 'internal error' },
    });
  });
  return app;
}
