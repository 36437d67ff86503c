import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import {
  type ZodTypeProvider,
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/database-unavailable.ts';
import { createMailTransport } from '../mail/create-transport.ts';
import { type ApiApp, type ApiDependencies, DEFAULT_BODY_LIMIT } from './api-app.ts';
import { ApiError, type ErrorIssue, databaseUnavailable } from './api-error.ts';
import { createApiLogger } from './api-logger.ts';
import { backgroundMail } from './background-mail.ts';
import type { RouteAccess } from './auth/access.ts';
import { authenticate } from './auth/authenticate.ts';
import { rejectDeepJsonBody } from './reject-deep-json.ts';
import { rejectInvalidUtf8 } from './reject-invalid-utf8.ts';
import { rejectNulInBody, rejectNulInUrl } from './reject-nul-characters.ts';
import { registerAccountRoutes } from './routes/accounts.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCsmRoutes } from './routes/csms.ts';
import { registerEnrollmentRoutes } from './routes/enrollments.ts';
import { registerJourneyRoutes } from './routes/journeys.ts';
import { registerListRoutes } from './routes/lists.ts';
import { registerGoalRoutes } from './routes/goals.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerReviewRedirectRoutes } from './routes/review-redirect.ts';
import { registerRulesRoutes } from './routes/rules.ts';
import { registerServiceRoutes } from './routes/service.ts';
import { registerSyncRoutes } from './routes/sync.ts';
import { registerTaskRoutes } from './routes/tasks.ts';
import { registerUnsubscribeRoutes } from './routes/unsubscribe.ts';
import { registerUserRoutes } from './routes/users.ts';
import { registerWebAppRoutes } from './routes/web-app.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { makeBodyTextWellFormed } from './well-formed-body.ts';

/** npsloop's HTTP API: Fastify with zod schemas as the single source of request and response types. */
export async function createServer(deps: ApiDependencies): Promise<ApiApp> {
  const logging: { logger: false } | { loggerInstance: FastifyBaseLogger } =
    deps.logger === false ? { logger: false } : { loggerInstance: deps.logger ?? createApiLogger('info') };
  const app = Fastify({
    ...logging,
    bodyLimit: DEFAULT_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // X-Forwarded-For names the client only when it comes from a configured proxy: anyone else's is
    // ignored, so no sender can claim another address (webhook allowlists rely on request.ip).
    trustProxy: deps.config.http.trustedProxies.length > 0 ? deps.config.http.trustedProxies : false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const routes: RouteTableEntry[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no access`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, access, bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT });
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // Parses the web app's session cookie (onRequest), so authentication can read it.
  await app.register(fastifyCookie);
  // Before the body is read or validated: a caller without the right token learns nothing more.
  app.addHook('onRequest', authenticate(deps.db, deps.config));
  app.addHook('onRequest', rejectNulInUrl);
  app.addHook('preParsing', rejectInvalidUtf8);
  // Depth first: past it, every walk of the body is bounded.
  app.addHook('preValidation', rejectDeepJsonBody);
  app.addHook('preValidation', rejectNulInBody);
  app.addHook('preValidation', makeBodyTextWellFormed);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'npsloop API', version: '1', description: 'Closed-loop NPS: responses in, account NPS, health, lists and journeys out.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Schemas named with .meta({ id }) become components the operations refer to.
    transformObject: jsonSchemaTransformObject,
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody(request.id, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error, request, reply) => {
    const sent = classify(error);
    if (sent.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: sent.code, status: sent.status }, sent.message);
    if (sent.retryAfterSeconds !== undefined) void reply.header('retry-after', String(sent.retryAfterSeconds));
    void reply.code(sent.status).send(errorBody(request.id, sent.code, sent.message, sent.issues));
  });

  const mail = backgroundMail(deps.db, deps.mailer ?? createMailTransport(deps.config.mail), { closeMailer: deps.mailer === undefined });
  app.addHook('onClose', () => mail.close());

  registerServiceRoutes(app, deps);
  registerAuthRoutes(app, deps, mail);
  registerReviewRedirectRoutes(app, deps);
  registerUnsubscribeRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerGoalRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerListRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerCsmRoutes(app, deps);
  registerEnrollmentRoutes(app, deps);
  registerRulesRoutes(app, deps);
  registerJourneyRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerSyncRoutes(app, deps);
  registerWebAppRoutes(app, deps);
  return app;
}

export interface RouteTableEntry {
  method: string;
  url: string;
  access: RouteAccess;
  bodyLimit: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with who may call it: the access tests walk this table. */
    routeTable: RouteTableEntry[];
  }
}

function errorBody(requestId: string, code: string, message: string, issues?: ErrorIssue[]) {
  return { error: { code, message, requestId, ...(issues ? { issues } : {}) } };
}

/** Maps any thrown error to what the client sees: a stable code, never a stack trace. */
function classify(error: unknown): { status: number; code: string; message: string; issues?: ErrorIssue[]; retryAfterSeconds?: number } {
  if (isDatabaseUnavailable(error)) return classify(databaseUnavailable());
  if (error instanceof ApiError) {
    return { status: error.statusCode, code: error.code, message: error.message, issues: error.issues, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = error.validationContext ?? 'request';
    return {
      status: 400,
      code: 'invalid_request',
      message: `the ${part} does not match the schema`,
      issues: error.validation.map((issue) => ({
        // The record itself (an unknown key, say) comes as "/": its path is the part alone.
        path: `${part}${issue.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`.replace(/\.$/, ''),
        message: issue.message ?? 'invalid',
      })),
    };
  }
  if (isResponseSerializationError(error)) return { status: 500, code: 'internal', message: 'internal error' };
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'body_too_large'
        : fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported_media_type'
          : fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
            ? 'malformed_json'
            : 'bad_request';
    const message = fastifyError.message ?? 'bad request';
    // A request refused for what it holds says where: Fastify refuses a URL, a length or a body.
    const where = fastifyError.code === 'FST_ERR_BAD_URL' ? 'url' : fastifyError.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ? 'headers.content-length' : 'body';
    return { status, code, message, ...(status === 400 ? { issues: [{ path: where, message }] } : {}) };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}
