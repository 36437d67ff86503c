import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { journeyStatusCounts } from '../../db/queries/journey-status-counts.ts';
import {
  deleteJourney,
  getJourney,
  journeyHistory,
  JourneyInUseError,
  JourneyNotFoundError,
  listJourneys,
  saveJourney,
  setJourneyEnabled,
  StaleJourneyVersionError,
} from '../../db/queries/journeys.ts';
import type { Journey } from '../../db/tables/journeys.ts';
import { BUILT_IN_JOURNEYS } from '../../journeys/built-in-journeys.ts';
import { npsSettingsOf } from '../../config/nps-settings.ts';
import { userIdByEmail } from '../../db/queries/users.ts';
import { dryRunJourney } from '../../notifications/journey-dry-run.ts';
import { DryRunEventNotFoundError, type TriggerEventSource } from '../../rule-sql/dry-run-rule.ts';
import { conditionExplanationSchema } from '../schemas/rules.ts';
import { validateJourneyDefinition } from '../../journeys/journey-definition.ts';
import type { RuleError } from '../../rules/validate-rule.ts';
import { journeyJsonSchema } from '../../journeys/journey-json-schema.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { principalOf } from '../auth/authenticate.ts';
import { expectedVersionOf } from '../if-match.ts';
import { documentValidationSchema, documentValidationView, invalidDocument, parseJsonDocuments } from '../schemas/json-documents.ts';
import { JourneyNotReadyError } from '../../journeys/journey-readiness.ts';
import { documentVersionSchema, documentVersionView, expectedVersionField, ifMatchHeadersOf, noteField } from '../schemas/versioned-change.ts';

const BUILT_IN_NAMES: readonly string[] = BUILT_IN_JOURNEYS.map((journey) => journey.definition.name);

const journeySchema = z
  .object({
    name: z.string(),
    enabled: z.boolean(),
    version: z.number().int().describe('each enrollment records the version it copied; send it back as If-Match (or expectedVersion) to change the journey'),
    builtIn: z.boolean().describe('shipped with npsloop: it can be changed and disabled, not deleted'),
    definition: z.record(z.string(), z.unknown()).describe('trigger, cooldownDays, maxResponseAgeDays and steps, defaults filled in'),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'Journey' });

const journeyVersionSchema = documentVersionSchema(z.record(z.string(), z.unknown()), 'JourneyVersion');

const person = { id: z.number().int(), email: z.string(), name: z.string() };
const dryRunEmailSchema = z.object({
  to: z.string(),
  subject: z.string(),
  text: z.string().describe(`the text part as it would go; the review link is shown as {{reviewUrl}}: each email gets its own, made at enrollment`),
  notSent: z.string().optional().describe('why it would not go (the address unsubscribed)'),
});
const journeyDryRunSchema = z
  .object({
    journey: z.string(),
    at: z.string().describe('the instant the journey was tried at'),
    trigger: z.object({
      event: z.object({ responseId: z.number().int(), userId: z.number().int(), accountId: z.number().int(), score: z.number().int(), category: z.string(), respondedAt: z.string() }),
      matched: z.boolean().describe("whether the journey's trigger takes the response"),
      why: z.object({ explanation: conditionExplanationSchema, reasons: z.array(z.string()).describe('the conditions that decided the outcome, as text') }),
    }),
    enrolls: z.boolean().describe('whether the user would be enrolled now, were the journey enabled'),
    notEnrolledBecause: z.string().nullable(),
    follows: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('review_request'), email: dryRunEmailSchema, reminderAfterHours: z.number() }),
        z.object({
          type: z.literal('detractor_follow_up'),
          assignee: z.object(person).nullable().describe('the CSM who owned the account when the response was given; null: nobody, and the journey ends'),
          dueAt: z.string().nullable(),
          slaHours: z.number(),
          escalation: z.array(z.object({ level: z.number().int(), ...person })).describe('who the task goes to each time the SLA passes: the managers up the chain'),
          email: dryRunEmailSchema.nullable(),
        }),
      ])
      .nullable()
      .describe('what would follow; null when the trigger does not take the response'),
  })
  .meta({ id: 'JourneyDryRun' });

/** Versions a journey's page shows at most: the latest ones. */
const HISTORY_SHOWN = 1000;

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
const RESERVED_NAMES: readonly string[] = ['overview', 'schema', 'dry-run'];

const nameParams = z.object({ name: z.string().min(1).max(200) });
const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };
const changeResponseSchema = z.object({ journey: journeySchema, changed: z.boolean().describe('false when the journey already was so: no version was made') });
const ifMatchHeaders = ifMatchHeadersOf('GET /journeys/{name}');
/** What a change carries besides the journey itself. */
const changeFieldsSchema = z.object({ expectedVersion: expectedVersionField, note: noteField });

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

    routes.post(
      '/journeys/dry-run',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'try a journey (saved or not) on one response: whether it would enroll the user and why, and what would follow; saves and sends nothing',
          description:
            'The body is the journey definition plus `response`: `{ "user": "<email>" }` for that user\'s latest response, or `{ "responseId": 12 }`. ' +
            "The answer: the trigger's outcome with each condition and the value it saw (as POST /rules/dry-run explains a trigger rule), whether the user " +
            'would be enrolled (were the journey enabled: the response\'s age, an enrollment running, the cooldown), and what would follow: a review ' +
            "request's email (to whom, subject, text), or a follow-up's task (the CSM, when it is due, the managers it escalates to) and its email.",
          body: z.unknown(),
          response: { 200: journeyDryRunSchema, ...errors },
        },
      },
      async (request) => {
        const { response, ...document } = isRecord(request.body) ? request.body : {};
        const validation = validateJourneyDefinition(document);
        if (!validation.ok) throw invalidDocument('invalid_journey', 'journey', validation.errors);
        const event = await dryRunEvent(db, response);
        const nps = npsSettingsOf(deps.config);
        const customer = { links: deps.reviewLinks, from: deps.config.mail.customerFrom };
        const email = { publicBaseUrl: deps.reviewLinks.publicBaseUrl, timeZone: nps.timeZone, counting: nps.counting, customer };
        try {
          return await dryRunJourney(db, validation.journey, event, { ...nps, email });
        } catch (error) {
          if (error instanceof DryRunEventNotFoundError) throw new ApiError(404, 'not_found', error.message);
          throw error;
        }
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
          summary: 'a journey as it stands, and its history: who changed what, and when',
          params: nameParams,
          response: { 200: z.object({ journey: journeySchema, history: z.array(journeyVersionSchema).describe(`oldest first; the latest ${HISTORY_SHOWN}`) }), ...errors },
        },
      },
      async (request, reply) => {
        const journey = await existingJourney(db, request.params.name);
        withVersionTag(reply, journey);
        const history = await journeyHistory(db, journey.name, { afterVersion: Math.max(0, journey.version - HISTORY_SHOWN), limit: HISTORY_SHOWN });
        return { journey: journeyView(journey), history: history.map(documentVersionView) };
      },
    );

    routes.put(
      '/journeys/:name',
      {
        config: admin,
        schema: {
          tags: ['journeys'],
          summary: 'create or change a journey',
          description:
            'The body is the journey definition (`name` may be left out: it is the one in the URL), plus `note` and, to change a journey that exists, ' +
            '`expectedVersion` (or the If-Match header): the version the change was made from. Without it that is 428 `version_required`; if the journey ' +
            'has moved on since, nothing is saved and the answer is 409 `version_conflict`. Mistakes come back as 400 `invalid_journey`, ' +
            'each issue at its JSON path in the definition. A new journey starts disabled: enable it once its emails are right. ' +
            'Enrollments in flight keep the definition they started with. An enabled journey is not changed into one that may not run ' +
            '(409 `journey_not_ready`, e.g. a review request back on the placeholder review page).',
          params: nameParams,
          headers: ifMatchHeaders,
          body: z.unknown(),
          response: { 200: changeResponseSchema, 201: changeResponseSchema, 428: errorResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const name = request.params.name;
        const { document, fields } = changeFieldsOf(request.body);
        const expectedVersion = expectedVersionOf(request.headers['if-match'], fields.expectedVersion);
        const definition = validJourney(name, document);
        const before = await findJourney(db, name);
        if (before && expectedVersion === undefined) {
          throw new ApiError(428, 'version_required', 'send the version you edited, as the If-Match header ("3") or as expectedVersion, so that nobody\'s change is overwritten unseen');
        }
        const change = { actor: principalOf(request).name, enabled: false, expectedVersion, note: fields.note };
        const journey = await changeOrRefuse(() => saveJourney(db, definition, change));
        withVersionTag(reply, journey);
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
            headers: ifMatchHeaders,
            body: changeFieldsSchema.nullish().describe('optional'),
            response: { 200: changeResponseSchema, ...errors },
          },
        },
        async (request, reply) => {
          const expectedVersion = expectedVersionOf(request.headers['if-match'], request.body?.expectedVersion);
          const before = await existingJourney(db, request.params.name);
          const change = { actor: principalOf(request).name, expectedVersion, note: request.body?.note };
          const journey = await changeOrRefuse(() => setJourneyEnabled(db, before.name, enabled, change));
          withVersionTag(reply, journey);
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
          headers: ifMatchHeaders,
          response: { 200: z.object({ journey: journeySchema }), ...errors },
        },
      },
      async (request) => {
        const name = request.params.name;
        const expectedVersion = expectedVersionOf(request.headers['if-match'], undefined);
        if (BUILT_IN_NAMES.includes(name)) {
          throw new ApiError(409, 'built_in_journey', `"${name}" is a built-in journey: it would be installed again at the next start; disable it instead`);
        }
        try {
          return { journey: journeyView(await changeOrRefuse(() => deleteJourney(db, name, { actor: principalOf(request).name, expectedVersion }))) };
        } catch (error) {
          if (error instanceof JourneyInUseError) throw new ApiError(409, 'journey_in_use', error.message);
          throw error;
        }
      },
    );
  });
}

/**
 * The repository's refusals as the client sees them; nothing was saved in any of these cases. A
 * journey that may not run yet (a review request still on the placeholder review page) is 409
 * `journey_not_ready`, at its path.
 */
async function changeOrRefuse(change: () => Promise<Journey>): Promise<Journey> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof JourneyNotReadyError) throw new ApiError(409, 'journey_not_ready', error.message, [{ path: error.path, message: error.reason }]);
    if (error instanceof StaleJourneyVersionError) throw new ApiError(409, 'version_conflict', error.message);
    if (error instanceof JourneyNotFoundError) throw notFound(`journey "${error.journeyName}"`);
    throw error;
  }
}

function withVersionTag(reply: FastifyReply, journey: Journey): void {
  void reply.header('etag', `"${journey.version}"`);
}

const responseSelectionSchema = z.union([
  z.strictObject({ user: z.email().max(320) }),
  z.strictObject({ responseId: z.number().int().min(1).max(2_147_483_647) }),
]);

/** The response a dry run tries the journey on: a user's latest (by email), or a response by id. */
async function dryRunEvent(db: Kysely<Database>, selection: unknown): Promise<TriggerEventSource> {
  const parsed = responseSelectionSchema.safeParse(selection);
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_request', 'response chooses what to try the journey on: { "user": "<email>" } (their latest response) or { "responseId": 12 }', [
      { path: 'body.response', message: 'must be { "user": "<email>" } or { "responseId": <id> }' },
    ]);
  }
  if ('responseId' in parsed.data) return { responseId: parsed.data.responseId };
  const userId = await userIdByEmail(db, parsed.data.user);
  if (userId === null) throw notFound(`user ${parsed.data.user}`);
  return { userId };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The journey document in a PUT body, and the change's own fields beside it (checked). */
function changeFieldsOf(body: unknown): { document: unknown; fields: z.infer<typeof changeFieldsSchema> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { document: body, fields: {} };
  const { expectedVersion, note, ...document } = body as Record<string, unknown>;
  const fields = changeFieldsSchema.safeParse({ expectedVersion, note });
  if (!fields.success) {
    const issues = fields.error.issues.map((issue) => ({ path: `body.${issue.path.join('.')}`, message: issue.message }));
    throw new ApiError(400, 'invalid_request', 'expectedVersion must be a version (a whole number from 1), and note text of at most 1000 characters', issues);
  }
  return { document, fields: fields.data };
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
