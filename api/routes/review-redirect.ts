import { z } from 'zod';
import { errorResponseSchema, notFound } from '../api-error.ts';
import { publicRoute } from '../auth/access.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { followReviewLink } from './follow-review-link.ts';

/** The link in review-request emails: records the click, signals the journey, redirects. */
export function registerReviewRedirectRoutes(app: ApiApp, deps: ApiDependencies): void {
  app.get(
    '/r/:token',
    {
      config: { access: publicRoute('recipients follow it from an email; the token is signed per enrollment') },
      schema: {
        tags: ['review links'],
        summary: 'follow a review-request link',
        security: [],
        params: z.object({ token: z.string().max(200) }),
        response: { 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const target = await followReviewLink(deps, request.params.token, request.headers['user-agent']);
      if (!target) throw notFound('this review link');
      return reply.redirect(target.location, 302);
    },
  );
}
