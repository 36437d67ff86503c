import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { createGoal, getGoal, GoalConflictError, goalHistory, GoalNotFoundError, listGoals, removeGoal, StaleGoalVersionError, updateGoal } from '../../db/queries/goals.ts';
import type { Goal } from '../../db/tables/goals.ts';
import { type GoalDefinition, goalDefinitionSchema } from '../../reports/goal-definition.ts';
import { unknownGoalScope } from '../../reports/check-goal-scope.ts';
import { goalStatuses, storedGoal } from '../../reports/goal-status.ts';
import { goalVisibility } from '../../reports/goal-visibility.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { reportViewerOf } from '../auth/account-scope.ts';
import { principalOf } from '../auth/authenticate.ts';
import { versionFromIfMatch } from '../if-match.ts';
import { refusingBadRange } from './reports.ts';
import { goalIdParamsSchema, goalSchema, goalStatusQuerySchema, goalStatusSchema, goalStatusView, goalVersionSchema, goalVersionView, goalView } from '../schemas/goals.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema };
const changeErrors = { ...errors, 404: errorResponseSchema, 409: errorResponseSchema };

/** NPS goals: admins set them, admins and CSMs read them and where they stand. */
export function registerGoalRoutes(app: ApiApp, deps: ApiDependencies): void {
  const { db } = deps;

  app.get(
    '/goals',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: { tags: ['goals'], summary: 'the goals the caller may see, by name', response: { 200: z.object({ goals: z.array(goalSchema) }), ...errors } },
    },
    async (request) => {
      const visible = await goalVisibility(db, reportViewerOf(request));
      return { goals: (await listGoals(db)).filter((goal) => visible(goal.definition as GoalDefinition)).map(goalView) };
    },
  );

  app.get(
    '/goals/status',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['goals'],
        summary: 'where each goal stands in each period: met, missed, on or off track (the period under way), or not enough responses',
        querystring: goalStatusQuerySchema,
        response: { 200: goalStatusSchema, ...errors },
      },
    },
    async (request) => {
      const visible = await goalVisibility(db, reportViewerOf(request));
      const goals = (await listGoals(db)).filter((goal) => visible(goal.definition as GoalDefinition)).map(storedGoal);
      const { from, to } = request.query;
      const options = { ...(from ? { from } : {}), ...(to ? { to } : {}), counting: deps.config.npsCounting, minimumResponses: deps.config.reportMinimumResponses };
      return goalStatusView(await refusingBadRange(() => goalStatuses(db, goals, options, { now: new Date(), timeZone: deps.config.timeZone })));
    },
  );

  app.get(
    '/goals/:id',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: { tags: ['goals'], summary: 'one goal, with its version as ETag', params: goalIdParamsSchema, response: { 200: goalSchema, 404: errorResponseSchema, ...errors } },
    },
    async (request, reply) => {
      const goal = await refusing(() => getGoal(db, request.params.id));
      if (!(await goalVisibility(db, reportViewerOf(request)))(goal.definition as GoalDefinition)) throw notFound(`goal ${request.params.id}`);
      return withVersionTag(reply, goal);
    },
  );

  app.get(
    '/goals/:id/versions',
    {
      config: { access: rolesAllowed('admin') },
      schema: { tags: ['goals'], summary: "a goal's changes, oldest first: who changed what, and when", params: goalIdParamsSchema, response: { 200: z.object({ versions: z.array(goalVersionSchema) }), 404: errorResponseSchema, ...errors } },
    },
    async (request) => ({ versions: (await refusing(() => goalHistory(db, request.params.id))).map(goalVersionView) }),
  );

  app.post(
    '/goals',
    {
      config: { access: rolesAllowed('admin') },
      schema: { tags: ['goals'], summary: 'set a goal', body: goalDefinitionSchema, response: { 201: goalSchema, ...changeErrors } },
    },
    async (request, reply) => {
      await checkScope(db, request.body);
      const goal = await refusing(() => createGoal(db, request.body, { actor: principalOf(request).name }));
      void reply.code(201);
      return withVersionTag(reply, goal);
    },
  );

  app.put(
    '/goals/:id',
    {
      config: { access: rolesAllowed('admin') },
      schema: {
        tags: ['goals'],
        summary: 'change a goal (If-Match: its version, to change it only if nobody else has)',
        params: goalIdParamsSchema,
        body: goalDefinitionSchema,
        response: { 200: goalSchema, ...changeErrors },
      },
    },
    async (request, reply) => {
      await checkScope(db, request.body);
      const expectedVersion = versionFromIfMatch(request.headers['if-match']);
      const goal = await refusing(() => updateGoal(db, request.params.id, request.body, { actor: principalOf(request).name, ...(expectedVersion ? { expectedVersion } : {}) }));
      return withVersionTag(reply, goal);
    },
  );

  app.delete(
    '/goals/:id',
    {
      config: { access: rolesAllowed('admin') },
      schema: { tags: ['goals'], summary: 'remove a goal; it and its history are kept', params: goalIdParamsSchema, response: { 200: goalSchema, ...changeErrors } },
    },
    async (request, reply) => {
      const expectedVersion = versionFromIfMatch(request.headers['if-match']);
      const goal = await refusing(() => removeGoal(db, request.params.id, { actor: principalOf(request).name, ...(expectedVersion ? { expectedVersion } : {}) }));
      return withVersionTag(reply, goal);
    },
  );
}

/** A goal on a CSM or team names one the instance knows. */
async function checkScope(db: Kysely<Database>, definition: GoalDefinition): Promise<void> {
  const problem = await unknownGoalScope(db, definition);
  if (problem) throw new ApiError(400, 'invalid_request', problem, [{ path: 'body.scope.csm', message: problem }]);
}

function withVersionTag(reply: FastifyReply, goal: Goal) {
  void reply.header('etag', `"${goal.version}"`);
  return goalView(goal);
}

/** The repository's refusals as the client sees them; nothing was saved in any of these cases. */
async function refusing<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof GoalNotFoundError) throw notFound(`goal ${error.goalId}`);
    if (error instanceof StaleGoalVersionError) throw new ApiError(409, 'version_conflict', error.message);
    if (error instanceof GoalConflictError) throw new ApiError(409, 'goal_exists', error.message);
    throw error;
  }
}
