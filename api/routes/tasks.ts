import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { ApiPrincipal } from '../../db/queries/api-principal.ts';
import { csmsByIdOrEmail } from '../../db/queries/csms.ts';
import { getTaskView, listTasks, type TaskView } from '../../db/queries/tasks.ts';
import { TASK_STATUSES } from '../../db/tables/tasks.ts';
import { completeTaskAndTellJourney } from '../../tasks/complete-task.ts';
import { reassignTaskAndTellJourney } from '../../tasks/reassign-task.ts';
import { resolveAssignee } from '../../tasks/resolve-assignee.ts';
import type { TaskActor } from '../../tasks/task-actor.ts';
import { TemporalUnavailableError } from '../../journeys/tell-journey.ts';
import { AssigneeNotFoundError, JourneyNotRunningError, TaskClosedError, TaskNotActionableError, TaskNotFoundError } from '../../tasks/task-errors.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { visibleCsmIdsOf } from '../auth/account-scope.ts';
import { principalOf } from '../auth/authenticate.ts';

const personSchema = z.object({ id: z.number().int(), email: z.string(), name: z.string().nullable() });

export const taskSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(TASK_STATUSES),
    overdue: z.boolean().describe('open and past its due time'),
    escalationLevel: z.number().int().describe('0 for the owning CSM, 1 for their manager, and so on up the chain'),
    dueAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    completedBy: z.string().nullable(),
    outcome: z.string().nullable(),
    assignee: z.object({ id: z.number().int(), email: z.string(), name: z.string() }),
    user: personSchema,
    account: z.object({ id: z.number().int(), name: z.string() }),
    response: z.object({ id: z.number().int(), score: z.number().int(), comment: z.string().nullable() }),
    enrollmentId: z.number().int(),
    journeyName: z.string(),
    workflowId: z.string().describe("the journey's workflow, to find in the Temporal UI"),
  })
  .meta({ id: 'Task' });

/** A task as the API sends it: times as ISO strings, and whether it is overdue now. */
export function taskJson(task: TaskView, now: Date): z.infer<typeof taskSchema> {
  return {
    ...task,
    overdue: task.status === 'open' && task.dueAt < now,
    dueAt: task.dueAt.toISOString(),
    createdAt: task.createdAt.toISOString(),
    completedAt: task.completedAt?.toISOString() ?? null,
  };
}

/** The answers of the task routes, which the CLI also reads from a running instance. */
export const taskListSchema = z.object({ tasks: z.array(taskSchema), total: z.number().int().describe('tasks matching, over all pages'), limit: z.number().int(), offset: z.number().int() });
export const completedTaskSchema = z.object({ task: taskSchema, journey: z.enum(['signalled', 'not_running']) });
export const reassignedTaskSchema = z.object({ task: taskSchema, changed: z.boolean() });

const taskParamsSchema = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const csmRefSchema = z.union([z.number().int().positive(), z.string().trim().min(1).max(320)]).describe('a CSM id or email');

const errorResponses = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };
const changeErrorResponses = { ...errorResponses, 409: errorResponseSchema, 503: errorResponseSchema };

/** Follow-up tasks: admins see every one, a csm token those assigned to its CSM (a manager: their team). */
export function registerTaskRoutes(app: ApiApp, deps: ApiDependencies): void {
  const { db, temporal } = deps;

  app.get(
    '/tasks',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['tasks'],
        summary: 'list follow-up tasks, soonest due first',
        description:
          "A csm token sees the tasks assigned to its CSM and, for a manager, to everyone under them (their team, as in reports); " +
          "asking for an assignee outside that is refused (403). `accountId` and `userId` narrow the list to one account's or one user's tasks.",
        querystring: z.object({
          assignee: z.string().trim().min(1).max(320).optional().describe('a CSM id or email'),
          status: z.enum(TASK_STATUSES).optional(),
          dueBefore: z.iso.datetime({ offset: true }).optional().describe('due strictly before this instant'),
          dueAfter: z.iso.datetime({ offset: true }).optional().describe('due at or after this instant'),
          overdue: z.enum(['true']).optional().describe('only open tasks past their due time'),
          accountId: z.coerce.number().int().positive().max(2_147_483_647).optional().describe("only this account's tasks (npsloop's account id)"),
          userId: z.coerce.number().int().positive().max(2_147_483_647).optional().describe("only this user's tasks (npsloop's user id)"),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: {
          200: taskListSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const query = request.query;
      const now = new Date();
      const { tasks, total } = await listTasks(db, {
        assigneeCsmIds: await assigneeFilter(db, await visibleCsmIdsOf(request, db), query.assignee),
        accountId: query.accountId,
        userId: query.userId,
        status: query.status,
        dueBefore: query.dueBefore === undefined ? undefined : new Date(query.dueBefore),
        dueAfter: query.dueAfter === undefined ? undefined : new Date(query.dueAfter),
        overdueAt: query.overdue ? now : undefined,
        limit: query.limit,
        offset: query.offset,
      });
      return { tasks: tasks.map((task) => taskJson(task, now)), total, limit: query.limit, offset: query.offset };
    },
  );

  app.get(
    '/tasks/:id',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['tasks'],
        summary: 'one follow-up task',
        description: "A csm token finds only the tasks of its CSM and, for a manager, of their team (others are 404).",
        params: taskParamsSchema,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request) => {
      const visible = await visibleCsmIdsOf(request, db);
      const task = await getTaskView(db, request.params.id);
      if (!task || (visible !== undefined && !visible.includes(task.assignee.id))) throw notFound(`task ${request.params.id}`);
      return taskJson(task, new Date());
    },
  );

  app.post(
    '/tasks/:id/complete',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['tasks'],
        summary: 'complete a task with its outcome; its journey ends with that outcome',
        description:
          'Asks the task\'s journey, which closes the task and ends: when Temporal or its worker does not answer the answer is 503 and the task stays open (sending it again is safe). ' +
          'Completing a task that is already closed (done or cancelled) changes nothing and is refused with 409 `task_closed`, which says how it was closed; ' +
          'one the journey is escalating at that moment (its SLA has just passed) is refused with 409 `task_not_actionable`. ' +
          '`journey` is `not_running` when the journey had ended already: only the task was closed. A csm token may complete only its own tasks.',
        params: taskParamsSchema,
        body: z.object({ outcome: z.string().trim().min(1).max(2_000).describe('what was done: shown on the user\'s timeline') }),
        response: { 200: completedTaskSchema, ...changeErrorResponses },
      },
    },
    async (request) => {
      const actor = await actorOf(db, principalOf(request));
      const { task, journey } = await refusingTaskErrors(() =>
        completeTaskAndTellJourney({ db, temporal }, request.params.id, { actor, outcome: request.body.outcome }),
      );
      return { task: taskJson(task, new Date()), journey };
    },
  );

  app.post(
    '/tasks/:id/reassign',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['tasks'],
        summary: 'give an open task to another CSM',
        description:
          'Asks the task\'s journey, which changes the assignee, then emails them; the due time stays, and escalation goes on from the new assignee\'s manager chain. ' +
          'Reassigning to the current assignee changes nothing (`changed: false`). A closed task, a task the journey is escalating at that moment, or a journey no longer running, is refused with 409; ' +
          'when Temporal or its worker does not answer, 503 and nothing changes. ' +
          'A csm token may reassign only its own tasks.',
        params: taskParamsSchema,
        body: z.object({ assignee: csmRefSchema, reason: z.string().trim().min(1).max(2_000).optional() }),
        response: { 200: reassignedTaskSchema, ...changeErrorResponses },
      },
    },
    async (request) => {
      const actor = await actorOf(db, principalOf(request));
      const { task, changed } = await refusingTaskErrors(() =>
        reassignTaskAndTellJourney({ db, temporal }, request.params.id, { actor, assignee: String(request.body.assignee), reason: request.body.reason ?? null }),
      );
      return { task: taskJson(task, new Date()), changed };
    },
  );
}

/**
 * The assignees a listing is limited to: for a csm token, the CSMs it sees (its own, a manager's
 * team), or the one of them asked for; for an admin, the one asked for, if any.
 */
async function assigneeFilter(db: Kysely<Database>, visible: readonly number[] | undefined, assignee: string | undefined): Promise<readonly number[] | undefined> {
  if (visible !== undefined) {
    if (assignee === undefined) return visible;
    const asked = (await csmsByIdOrEmail(db, assignee)).filter((csm) => visible.includes(csm.id));
    if (asked.length === 0) throw new ApiError(403, 'forbidden', "a csm token sees only the tasks of its CSM and, for a manager, of their team");
    return asked.map((csm) => csm.id);
  }
  if (assignee === undefined) return undefined;
  try {
    return [(await resolveAssignee(db, assignee)).id];
  } catch (error) {
    if (error instanceof AssigneeNotFoundError) throw new ApiError(400, 'unknown_assignee', error.message, [{ path: 'querystring.assignee', message: error.message }]);
    throw error;
  }
}

/** Who is acting, as the task and the journey record it: a CSM by their email, an admin by its token's name or its email when signed in. */
async function actorOf(db: Kysely<Database>, principal: ApiPrincipal): Promise<TaskActor> {
  if (principal.role !== 'csm' || principal.csmId === null) return { name: principal.name };
  const [csm] = await csmsByIdOrEmail(db, String(principal.csmId));
  return { name: csm?.email ?? principal.name, csmId: principal.csmId };
}

/** The task module's refusals as API errors. */
async function refusingTaskErrors<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof TaskNotFoundError) throw notFound(`task ${error.taskId}`);
    if (error instanceof TaskClosedError) throw new ApiError(409, 'task_closed', error.message);
    if (error instanceof TaskNotActionableError) throw new ApiError(409, 'task_not_actionable', error.message);
    if (error instanceof JourneyNotRunningError) throw new ApiError(409, 'journey_not_running', error.message);
    if (error instanceof AssigneeNotFoundError) throw new ApiError(400, 'unknown_assignee', error.message, [{ path: 'body.assignee', message: error.message }]);
    if (error instanceof TemporalUnavailableError) throw new ApiError(503, 'temporal_unavailable', error.message);
    throw error;
  }
}
