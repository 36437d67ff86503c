import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError } from '../api-error.ts';
import { publicRoute } from '../auth/access.ts';

/** Where web/build-web-app.mjs leaves the built app. */
export const WEB_APP_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const access = publicRoute("the web app's page and files hold no data: what they show comes from the API, which checks the session");
// Vite names built files by their content, so they never change under a name.
const IMMUTABLE = 'public, max-age=31536000, immutable';
// CodeMirror and the charts set inline styles; scripts come only from the app itself.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The web app under /app/: its built files, and its page for every other /app/ path, since the
 * app routes in the browser. `/` leads there.
 */
export function registerWebAppRoutes(app: ApiApp, _deps: ApiDependencies, distFolder = WEB_APP_DIST): void {
  void app.register(async (instance) => {
    await instance.register(fastifyStatic, { root: distFolder, serve: false });
    const plugin = instance.withTypeProvider<ZodTypeProvider>();

    plugin.get('/', { config: { access }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 302));
    plugin.get('/app', { config: { access }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 301));
    plugin.get(
      '/app/*',
      { config: { access }, schema: { hide: true, params: z.object({ '*': z.string() }) } },
      async (request, reply) => {
        if (!existsSync(path.join(distFolder, 'index.html'))) {
          throw new ApiError(503, 'web_app_not_built', 'the web app is not built: npm start builds it, or run `node web/build-web-app.mjs --force`');
        }
        withPageHeaders(reply);
        const file = builtFile(distFolder, request.params['*']);
        if (file) return reply.header('cache-control', file.startsWith('assets/') ? IMMUTABLE : 'no-cache').sendFile(file);
        // An app path (/app/tasks/12): the page, which routes in the browser.
        return reply.header('cache-control', 'no-cache').sendFile('index.html');
      },
    );
  });
}

/** The built file a path names, if it is one inside the folder (never a dot-file or a way out). */
function builtFile(distFolder: string, requested: string): string | undefined {
  const relative = path.posix.normalize(requested).replace(/^\/+/, '');
  if (relative === '' || relative === '.' || relative.startsWith('..') || relative.split('/').some((part) => part.startsWith('.'))) return undefined;
  const full = path.join(distFolder, relative);
  if (!full.startsWith(distFolder)) return undefined;
  return existsSync(full) && statSync(full).isFile() ? relative : undefined;
}

function withPageHeaders(reply: FastifyReply): void {
  void reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY');
}
