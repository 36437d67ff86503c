import { explainListMembers, explainListMembership } from '../../lists/explain-list-membership.ts';
import { npsSettingsOf } from '../../config/nps-settings.ts';
import { findListRule, listMembersPage, listsOfUser, listSummaries } from '../../db/queries/list-members.ts';
import { findUser } from '../../db/queries/users.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { visibleCsmIdsOf } from '../auth/account-scope.ts';
import {
  listMemberParamsSchema,
  listMembersQuerySchema,
  listMembersSchema,
  listMembersView,
  listNameParamsSchema,
  listsSchema,
  listsView,
  membershipExplanationSchema,
  membershipExplanationView,
  userListsSchema,
  userListsView,
} from '../schemas/lists.ts';
import { userIdParamsSchema } from '../schemas/users.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };

/**
 * Rule-built lists and why each member is in one. A csm token sees the members on the accounts
 * its CSM (a manager: their team) owns; any other user is answered 404.
 */
export function registerListRoutes(app: ApiApp, deps: ApiDependencies): void {
  app.get(
    '/lists',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['lists'],
        summary: 'every list with its member count',
        response: { 200: listsSchema, ...errors },
      },
    },
    async (request) => {
      const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
      return listsView(await listSummaries(deps.db, { ownerCsmIds }));
    },
  );

  app.get(
    '/lists/:name/members',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['lists'],
        summary: "a list's members as of its last refresh, by email, each with why the rule holds for them now",
        params: listNameParamsSchema,
        querystring: listMembersQuerySchema,
        response: { 200: listMembersSchema, ...errors },
      },
    },
    async (request) => {
      const rule = await findListRule(deps.db, request.params.name);
      if (!rule) throw notFound(`list ${request.params.name}`);
      const { limit, offset, explain } = request.query;
      const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
      const page = await listMembersPage(deps.db, rule.id, { limit, offset, ownerCsmIds });
      const explanations = explain
        ? await explainListMembers(deps.db, rule, page.members.map((member) => member.userId), npsSettingsOf(deps.config))
        : undefined;
      return listMembersView(rule, page.members, explanations, { offset, limit, total: page.total });
    },
  );

  app.get(
    '/lists/:name/members/:userId/explanation',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['lists'],
        summary: 'why a user is, or is not, in a list: each condition with the value it saw',
        params: listMemberParamsSchema,
        response: { 200: membershipExplanationSchema, ...errors },
      },
    },
    async (request) => {
      const { name, userId } = request.params;
      const rule = await findListRule(deps.db, name);
      if (!rule) throw notFound(`list ${name}`);
      const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
      const user = await findUser(deps.db, { id: userId }, { ownerCsmIds });
      if (!user) throw notFound(`user ${userId}`);
      const explained = await explainListMembership(deps.db, rule.name, user.id, npsSettingsOf(deps.config));
      return membershipExplanationView(rule, user, explained);
    },
  );

  app.get(
    '/users/:id/lists',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['lists', 'users'],
        summary: 'the lists a user is in, each with why: every condition with the value it saw',
        description:
          'The stored memberships as of the last refresh, explained by the rule as it stands now, as ' +
          '`GET /lists/{name}/members/{userId}/explanation` explains one. A csm token finds only users on the accounts it sees (others are 404).',
        params: userIdParamsSchema,
        response: { 200: userListsSchema, ...errors },
      },
    },
    async (request) => {
      const user = await findUser(deps.db, { id: request.params.id }, { ownerCsmIds: await visibleCsmIdsOf(request, deps.db) });
      if (!user) throw notFound(`user ${request.params.id}`);
      const settings = npsSettingsOf(deps.config);
      const lists = [];
      for (const { rule, since } of await listsOfUser(deps.db, user.id)) {
        const evaluation = (await explainListMembers(deps.db, rule, [user.id], settings)).get(user.id);
        if (evaluation) lists.push({ rule, since, evaluation });
      }
      return userListsView(user, lists);
    },
  );
}
