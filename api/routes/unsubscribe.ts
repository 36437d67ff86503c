import escapeHtml from 'escape-html';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordUnsubscribe, unsubscribeOf } from '../../db/queries/email-unsubscribes.ts';
import { emailOfUnsubscribeToken } from '../../journeys/unsubscribe-links.ts';
import { errorResponseSchema, notFound } from '../api-error.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { publicRoute } from '../auth/access.ts';

const FORM = 'application/x-www-form-urlencoded';
const params = z.object({ token: z.string().max(800) });
const htmlPage = z.string().describe('an HTML page for the recipient');
const access = publicRoute('recipients reach it from an email; the token is signed per address');

/**
 * Unsubscribing from customer emails. A mail client's one-click POST (RFC 8058, from the
 * List-Unsubscribe header) acts at once; the footer link opens a page that asks first, since link
 * scanners follow links. Either way the address gets no more journey emails.
 */
export function registerUnsubscribeRoutes(app: ApiApp, deps: ApiDependencies): void {
  void app.register(async (plugin) => {
    plugin.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 1_024 }, (_request, body, done) => done(null, body));
    const routes = plugin.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/u/:token',
      {
        config: { access },
        schema: { tags: ['unsubscribe'], summary: 'the page an unsubscribe link opens: it asks before it acts', security: [], params, response: { 200: htmlPage, 404: errorResponseSchema } },
      },
      async (request, reply) => {
        const email = addressOf(deps, request.params.token);
        const already = await unsubscribeOf(deps.db, email);
        const body = already
          ? `<p>${escapeHtml(email)} is unsubscribed: it gets no more of these emails.</p>`
          : `<p>Stop emails like this one to ${escapeHtml(email)}?</p><form method="post"><button type="submit">Unsubscribe</button></form>`;
        return reply.type('text/html; charset=utf-8').send(page(body));
      },
    );

    routes.post(
      '/u/:token',
      {
        config: { access },
        schema: {
          tags: ['unsubscribe'],
          summary: 'unsubscribe: one click from a mail client (List-Unsubscribe-Post), or the page\'s button',
          security: [],
          params,
          response: { 200: htmlPage, 404: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const email = addressOf(deps, request.params.token);
        const oneClick = typeof request.body === 'string' && new URLSearchParams(request.body).get('List-Unsubscribe') === 'One-Click';
        await recordUnsubscribe(deps.db, email, oneClick ? 'one_click' : 'link');
        return reply.type('text/html; charset=utf-8').send(page(`<p>Done: ${escapeHtml(email)} gets no more of these emails.</p>`));
      },
    );
  });
}

function addressOf(deps: ApiDependencies, token: string): string {
  const email = emailOfUnsubscribeToken(deps.reviewLinks, token);
  if (!email) throw notFound('this unsubscribe link');
  return email;
}

function page(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head><body style="font-family:sans-serif;max-width:480px;margin:48px auto;padding:0 16px">${body}</body></html>`;
}
