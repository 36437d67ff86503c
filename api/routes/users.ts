import type { FastifyRequest } from 'fastify';
import { type TimelineCursor, userTimelineEvents } from '../../db/queries/user-timeline.ts';
import { unsubscribeOf } from '../../db/queries/email-unsubscribes.ts';
import { findUser } from '../../db/queries/users.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { visibleCsmIdsOf } from '../auth/account-scope.ts';
import { timelineQuerySchema, userEmailParamsSchema, userIdParamsSchema, userTimelineSchema, userTimelineView } from '../schemas/users.ts';

const responses = {
  200: userTimelineSchema,
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
};

/**
 * A user's timeline: responses, list entries and exits, journeys and their tasks. A csm token
 * sees the users on the accounts its CSM (a manager: their team) owns; any other user is answered 404.
 */
export function registerUserRoutes(app: ApiApp, deps: ApiDependencies): void {
  /** The page of the timeline `query` asks for, of the user `by` finds within the caller's scope. */
  const timeline = async (request: FastifyRequest, by: { id: number } | { email: string }, query: { limit: number; cursor?: TimelineCursor | undefined }) => {
    const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
    const user = await findUser(deps.db, by, { ownerCsmIds });
    if (!user) throw notFound('id' in by ? `user ${by.id}` : `a user with email ${by.email}`);
    const [{ events, more }, unsubscribed] = await Promise.all([
      userTimelineEvents(deps.db, user.id, { limit: query.limit, ...(query.cursor ? { after: query.cursor } : {}) }),
      unsubscribeOf(deps.db, user.email),
    ]);
    return userTimelineView(user, unsubscribed, events, more);
  };

  app.get(
    '/users/:id/timeline',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['users'],
        summary: "a user's timeline, oldest first: responses, list entries and exits, journeys and tasks",
        params: userIdParamsSchema,
        querystring: timelineQuerySchema,
        response: responses,
      },
    },
    async (request) => timeline(request, { id: request.params.id }, request.query),
  );

  app.get(
    '/users/by-email/:email/timeline',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['users'],
        summary: "a user's timeline, found by email",
        params: userEmailParamsSchema,
        querystring: timelineQuerySchema,
        response: responses,
      },
    },
    async (request) => timeline(request, { email: request.params.email }, request.query),
  );
}
