import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { journeyStatusCounts } from '../../db/queries/journey-status-counts.ts';
import { deleteJourney, getJourney, JourneyInUseError, JourneyNotFoundError, listJourneys, saveJourney, setJourneyEnabled } from '../../db/queries/journeys.ts';
import type { Journey } from '../../db/tables/journeys.ts';
import { BUILT_IN_JOURNEYS } from '../../journeys/built-in-journeys.ts';
import { validateJourneyDefinition } from '../../journeys/journey-definition.ts';
import type { RuleError } from '../../rules/validate-rule.ts';
import { journeyJsonSchema } from '../../journeys/journey-json-schema.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { principalOf } from '../auth/authenticate.ts';
import { documentValidationSchema, documentValidationView, invalidDocument, parseJsonDocuments } from '../schemas/json-documents.ts';
import { JourneyNotReadyError } from '../../journeys/journey-readiness.ts';

const BUILT_IN_NAMES: readonly string[] = BUILT_IN_JOURNEYS.map((journey) => journey.definition.name);

const journeySchema = z
  .object({
    name: z.string(),
    enabled: z.boolean(),
    version: z.number().int().describe('each enrollment records the version it copied'),
    builtIn: z.boolean().describe('shipped with npsloop: it can be changed and disabled, not deleted'),
    definition: z.record(z.string(), z.unknown()).describe('trigger, cooldownDays, maxResponseAgeDays and steps, defaults filled in'),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'Journey' });

const overviewSchema = z
  .object({
    temporalUiUrl: z
      .string()
      .nullable()
      .describe("the namespace's workflows in the Temporal UI: a workflow is at `{temporalUiUrl}/workflows/{workflowId}`; null when no UI is configured (NPSLOOP_TEMPORAL_UI_URL; npm start sets its own)"),
    journeys: z.array(
      z.object({
        name: z.string(),
        enabled: z.boolean(),
        active: z.number().int().describe('enrollments running now'),
        completed: z.number().int(),
        cancelled: z.number().int(),
        failed: z.number().int(),
        escalated: z.number().int().describe('enrollments whose task went above the owning CSM'),
        openTasks: z.number().int(),
        overdueTasks: z.number().int().describe('open tasks past their due time'),
      }),
    ),
  })
  .meta({ id: 'JourneysOverview' });

/** GET paths under /journeys that a journey's name would otherwise be read at: no journey takes these names. */
const RESERVED_NAMES: readonly string[] = ['overview', 'schema'];

const nameParams = z.object({ name: z.string().min(1).max(200) });
const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };
const changeResponseSchema = z.object({ journey: journeySchema, changed: z.boolean().describe('false when the journey already was so: no version was made') });

function journeyView(journey: Journey): z.infer<typeof journeySchema> {
  return {
    name: journey.name,
    enabled: journey.enabled,
    version: journey.version,
    builtIn: BUILT_IN_NAMES.includes(journey.name),
    definition: journey.definition as unknown as Record<string, unknown>,
    createdAt: journey.created_at.toISOString(),
    updatedAt: journey.updated_at.toISOString(),
    updatedBy: journey.updated_by,
  };
}

/**
 * Journey definitions for admins. A change reaches later enrollments only: each enrollment runs
 * the definition it copied when it started.
 */
export function registerJourneyRoutes(app: ApiApp, deps: ApiDependencies): void {
  void app.register(async (plugin) => {
    parseJsonDocuments(plugin);
    const routes = plugin.withTypeProvider<ZodTypeProvider>();
    const admin = { access: rolesAllowed('admin') };
    const db = deps.db;

    routes.get(
      '/journeys',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'every journey, enabled or not, by name',
          response: { 200: z.object({ journeys: z.array(journeySchema) }), ...errors },
        },
      },
      async () => ({ journeys: (await listJourneys(db, { limit: 1000 })).map(journeyView) }),
    );

    routes.get(
      '/journeys/overview',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'every journey with its enrollments by status (active, completed, cancelled, failed), those escalated, and its tasks open and overdue',
          description:
            'Counted now, as `npsloop journeys status` counts them. Each enrollment, with `temporalUiUrl` linking its workflow, is at GET /enrollments?journey={name}.',
          response: { 200: overviewSchema, ...errors },
        },
      },
      async () => {
        const { uiUrl, namespace } = deps.config.temporal;
        const counts = await journeyStatusCounts(db, { now: new Date() });
        return {
          temporalUiUrl: uiUrl === undefined ? null : `${uiUrl}/namespaces/${encodeURIComponent(namespace)}`,
          journeys: counts.map(({ journeyName, ...count }) => ({ name: journeyName, ...count })),
        };
      },
    );

    routes.post(
      '/journeys/validate',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'check a journey definition without saving it: each mistake at its JSON path, with the valid values there',
          description:
            'The body is the journey definition, `name` included. The check is the one PUT /journeys/{name} runs (its trigger checked as a trigger rule). ' +
            'Always 200: `valid` says whether it would be saved, and each issue carries `validValues` and `suggestion` where they are known.',
          body: z.unknown(),
          response: { 200: documentValidationSchema, ...errors },
        },
      },
      async (request) => {
        const validation = validateJourneyDefinition(request.body);
        return documentValidationView([...(validation.ok ? [] : validation.errors), ...reservedNameErrors(request.body)]);
      },
    );

    routes.get(
      '/journeys/schema',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: "a journey definition's JSON Schema (2020-12), for an editor: generated from the zod schema that validates journeys",
          description:
            "The trigger is described form by form, with the response event's facts and operators from the fact catalogue. " +
            'It guides typing; POST /journeys/validate is the full check.',
          response: { 200: z.record(z.string(), z.unknown()).describe('a JSON Schema'), ...errors },
        },
      },
      async () => journeyJsonSchema(),
    );

    routes.get(
      '/journeys/:name',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'a journey',
          params: nameParams,
          response: { 200: z.object({ journey: journeySchema }), ...errors },
        },
      },
      async (request) => ({ journey: journeyView(await existingJourney(db, request.params.name)) }),
    );

    routes.put(
      '/journeys/:name',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'create or change a journey',
          description:
            'The body is the journey definition (`name` may be left out: it is the one in the URL). Mistakes come back as 400 `invalid_journey`, ' +
            'each issue at its JSON path in the definition. A new journey starts disabled: enable it once its emails are right. ' +
            'Enrollments in flight keep the definition they started with. An enabled journey is not changed into one that may not run ' +
            '(409 `journey_not_ready`, e.g. a review request back on the placeholder review page).',
          params: nameParams,
          body: z.unknown(),
          response: { 200: changeResponseSchema, 201: changeResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const name = request.params.name;
        const definition = validJourney(name, request.body);
        const before = await findJourney(db, name);
        const journey = await refusingNotReady(() => saveJourney(db, definition, { actor: principalOf(request).name, enabled: false }));
        return reply.code(before ? 200 : 201).send({ journey: journeyView(journey), changed: journey.version !== before?.version });
      },
    );

    for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
      routes.post(
        `/journeys/:name/${action}`,
        {
          config: admin,
          schema: {
            tags: ['journeys'],
            summary: enabled ? 'enable a journey: responses from now on may enroll users' : 'disable a journey: nobody new is enrolled; runs in flight go on',
            ...(enabled
              ? { description: 'A journey that may not run yet is refused with 409 `journey_not_ready`, the issue at its path: a review request whose `steps.reviewUrl` is still the shipped placeholder.' }
              : {}),
            params: nameParams,
            response: { 200: changeResponseSchema, ...errors },
          },
        },
        async (request) => {
          const before = await existingJourney(db, request.params.name);
          const journey = await refusingNotReady(() => setJourneyEnabled(db, before.name, enabled, { actor: principalOf(request).name }));
          return { journey: journeyView(journey), changed: journey.version !== before.version };
        },
      );
    }

    routes.delete(
      '/journeys/:name',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'delete a journey that never enrolled anyone',
          description:
            'Built-in journeys are never deleted (they would come back at the next start: disable them), nor journeys with enrollments, ' +
            'whose history names them: both are refused with 409, and disabling is the way to stop them.',
          params: nameParams,
          response: { 200: z.object({ journey: journeySchema }), ...errors },
        },
      },
      async (request) => {
        const name = request.params.name;
        if (BUILT_IN_NAMES.includes(name)) {
          throw new ApiError(409, 'built_in_journey', `"${name}" is a built-in journey: it would be installed again at the next start; disable it instead`);
        }
        try {
          return { journey: journeyView(await deleteJourney(db, name)) };
        } catch (error) {
          if (error instanceof JourneyNotFoundError) throw notFound(`journey "${name}"`);
          if (error instanceof JourneyInUseError) throw new ApiError(409, 'journey_in_use', error.message);
          throw error;
        }
      },
    );
  });
}

/** A journey that may not run yet (a review request still on the placeholder review page) is 409 `journey_not_ready`, at its path. */
async function refusingNotReady(change: () => Promise<Journey>): Promise<Journey> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof JourneyNotReadyError) throw new ApiError(409, 'journey_not_ready', error.message, [{ path: error.path, message: error.reason }]);
    throw error;
  }
}

/** The definition for the journey named in the URL, valid, or a 400 with each mistake at its JSON path. */
function validJourney(name: string, body: unknown) {
  if (body === null || body === undefined) {
    throw invalidDocument('invalid_journey', 'journey', [{ path: '$', message: 'is required: the journey definition, with trigger and steps' }]);
  }
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const named = isObject && !Object.hasOwn(body, 'name') ? { name, ...body } : body;
  const validation = validateJourneyDefinition(named);
  const errors = [...(validation.ok ? [] : validation.errors), ...reservedNameErrors(named)];
  if (!validation.ok || errors.length > 0) throw invalidDocument('invalid_journey', 'journey', errors);
  if (validation.journey.name !== name) {
    throw invalidDocument('invalid_journey', 'journey', [
      { path: '$.name', message: `must be "${name}", the name in the URL: a journey is not renamed (enrollments name it); create another instead` },
    ]);
  }
  return validation.journey;
}

async function findJourney(db: Kysely<Database>, name: string): Promise<Journey | undefined> {
  try {
    return await getJourney(db, name);
  } catch (error) {
    if (error instanceof JourneyNotFoundError) return undefined;
    throw error;
  }
}

async function existingJourney(db: Kysely<Database>, name: string): Promise<Journey> {
  const journey = await findJourney(db, name);
  if (!journey) throw notFound(`journey "${name}"`);
  return journey;
}

/** A journey named like a path under /journeys could not be read by its name: such names are refused. */
function reservedNameErrors(document: unknown): RuleError[] {
  const name = typeof document === 'object' && document !== null ? (document as Record<string, unknown>)['name'] : undefined;
  return typeof name === 'string' && RESERVED_NAMES.includes(name)
    ? [{ path: '$.name', message: `"${name}" is taken by GET /journeys/${name}; choose another name` }]
    : [];
}
