import { z } from 'zod';
import { type EnrollmentView, getEnrollmentView, listEnrollments } from '../../db/queries/enrollment-views.ts';
import { listTasks } from '../../db/queries/tasks.ts';
import { ENROLLMENT_STATUSES } from '../../journeys/enrollment-status.ts';
import { liveJourneyState } from '../../journeys/live-journey-state.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { visibleCsmIdsOf } from '../auth/account-scope.ts';
import { taskJson, taskSchema } from './tasks.ts';

const enrollmentSchema = z
  .object({
    id: z.number().int(),
    journeyName: z.string(),
    journeyVersion: z.number().int(),
    status: z.enum(ENROLLMENT_STATUSES),
    outcome: z.string().nullable(),
    enrolledAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    workflowId: z.string().describe("the journey's workflow, to find in the Temporal UI"),
    temporalUiUrl: z
      .string()
      .nullable()
      .describe("the journey's workflow in the Temporal UI (its latest run); null when no UI is configured (NPSLOOP_TEMPORAL_UI_URL; npm start sets its own)"),
    user: z.object({ id: z.number().int(), email: z.string(), name: z.string().nullable() }),
    account: z.object({ id: z.number().int(), name: z.string() }).describe('the account the user answered from'),
    responseId: z.number().int().describe('the response that enrolled the user'),
  })
  .meta({ id: 'Enrollment' });

const journeyStateSchema = z
  .object({
    journey: z.string(),
    step: z.string(),
    escalationLevel: z.number().int().optional(),
    openTaskId: z.number().int().nullable().optional(),
    assignee: z.string().nullable().optional(),
    reviewLinkClicked: z.boolean().optional(),
    outcome: z.string().nullable().optional(),
  })
  .meta({ id: 'JourneyState' });

/** Where the Temporal UI shows an enrollment's workflow. */
interface TemporalUi {
  url: string | undefined;
  namespace: string;
}

function enrollmentJson(enrollment: EnrollmentView, ui: TemporalUi): z.infer<typeof enrollmentSchema> {
  return {
    ...enrollment,
    temporalUiUrl: ui.url === undefined ? null : `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(enrollment.workflowId)}`,
    enrolledAt: enrollment.enrolledAt.toISOString(),
    endedAt: enrollment.endedAt?.toISOString() ?? null,
  };
}

const errorResponses = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };

/** Journey enrollments: admins see every one, a csm token those of users on its CSM's (a manager's: their team's) accounts. */
export function registerEnrollmentRoutes(app: ApiApp, deps: ApiDependencies): void {
  const { db, temporal } = deps;
  const ui: TemporalUi = { url: deps.config.temporal.uiUrl, namespace: deps.config.temporal.namespace };

  app.get(
    '/enrollments',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['journeys'],
        summary: 'list journey enrollments, latest first',
        description: "A csm token sees only enrollments of users on the accounts of its CSM and, for a manager, of their team.",
        querystring: z.object({
          journey: z.string().trim().min(1).max(200).optional().describe("a journey's name"),
          status: z.enum(ENROLLMENT_STATUSES).optional(),
          user: z.string().trim().min(1).max(320).optional().describe('a user id or email'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: {
          200: z.object({ enrollments: z.array(enrollmentSchema), total: z.number().int().describe('enrollments matching, over all pages'), limit: z.number().int(), offset: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { journey, status, user, limit, offset } = request.query;
      const { enrollments, total } = await listEnrollments(db, {
        journeyName: journey,
        status,
        user,
        visibleToCsmIds: await visibleCsmIdsOf(request, db),
        limit,
        offset,
      });
      return { enrollments: enrollments.map((enrollment) => enrollmentJson(enrollment, ui)), total, limit, offset };
    },
  );

  app.get(
    '/enrollments/:id',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['journeys'],
        summary: 'one enrollment, with its tasks and, while it runs, where its journey is now',
        description:
          '`live.state` is the running workflow\'s answer to the `journeyState` query; when the enrollment has ended or Temporal does not answer, it is null and `live.reason` says why. ' +
          "A csm token finds only enrollments of users on the accounts of its CSM and, for a manager, of their team (others are 404).",
        params: z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }),
        response: {
          200: enrollmentSchema.extend({
            tasks: z.array(taskSchema),
            live: z.object({ state: journeyStateSchema.nullable(), reason: z.string().nullable() }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const enrollment = await getEnrollmentView(db, request.params.id, { visibleToCsmIds: await visibleCsmIdsOf(request, db) });
      if (!enrollment) throw notFound(`enrollment ${request.params.id}`);
      const [{ tasks }, live] = await Promise.all([
        listTasks(db, { enrollmentId: enrollment.id }),
        liveJourneyState(temporal, enrollment),
      ]);
      const now = new Date();
      return { ...enrollmentJson(enrollment, ui), tasks: tasks.map((task) => taskJson(task, now)), live };
    },
  );
}
