import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DryRunEventNotFoundError, DryRunEventRequiredError, dryRunRule, type TriggerEventSource } from '../../rule-sql/dry-run-rule.ts';
import { applyRuleChange } from '../../derived-state/refresh-after-rule-change.ts';
import { npsSettingsOf } from '../../config/nps-settings.ts';
import type { Database } from '../../db/database.ts';
import {
  createRule,
  deleteRule,
  getRule,
  listRules,
  RuleConflictError,
  RuleKindChangeError,
  RuleNotFoundError,
  ruleHistory,
  setRuleEnabled,
  StaleRuleVersionError,
  updateRule,
} from '../../db/queries/rules.ts';
import { userIdByEmail } from '../../db/queries/users.ts';
import type { Rule } from '../../db/tables/rules.ts';
import { RULE_KINDS, type RuleDefinition } from '../../rules/rule-schema.ts';
import { ruleJsonSchema } from '../../rules/rule-json-schema.ts';
import { type RuleError, validateRule } from '../../rules/validate-rule.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { ApiError, errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { principalOf } from '../auth/authenticate.ts';
import { expectedVersionOf } from '../if-match.ts';
import { documentValidationSchema, documentValidationView, invalidDocument, parseJsonDocuments } from '../schemas/json-documents.ts';
import {
  dryRunQuerySchema,
  refreshView,
  ruleChangeRefreshSchema,
  ruleDryRunSchema,
  ruleSchema,
  ruleVersionSchema,

  ruleView,
} from '../schemas/rules.ts';
import { documentVersionView, expectedVersionField, ifMatchHeadersOf, noteField } from '../schemas/versioned-change.ts';

/** Versions a rule's page shows at most: the latest ones. */
const HISTORY_SHOWN = 1000;

const nameParams = z.object({ name: z.string().min(1).max(200) });
const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };
const ifMatchHeaders = ifMatchHeadersOf('GET /rules/{name}');
const RULE_DOCUMENT = 'The body is the rule itself, as in a rule file (kind, name, description, conditions or dimension and criteria)';

const changeResponseSchema = z.object({
  rule: ruleSchema,
  changed: z.boolean().describe('false when the rule already was so: no version was made'),
  refreshed: ruleChangeRefreshSchema,
});
const ruleWithHistorySchema = z.object({ rule: ruleSchema, history: z.array(ruleVersionSchema).describe(`oldest first; the latest ${HISTORY_SHOWN}`) });

/** Rule authoring for admins: CRUD with versions and optimistic concurrency, and dry runs that save nothing. */
export function registerRulesRoutes(app: ApiApp, deps: ApiDependencies): void {
  void app.register(async (plugin) => {
    parseJsonDocuments(plugin);
    const routes = plugin.withTypeProvider<ZodTypeProvider>();
    const admin = { access: rolesAllowed('admin') };
    const db = deps.db;

    routes.get(
      '/rules',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'the rules, by name',
          querystring: z.object({
            kind: z.enum(RULE_KINDS).optional(),
            includeDisabled: z
              .enum(['', 'true', 'false'])
              .optional()
              .transform((value) => value !== undefined && value !== 'false')
              .describe('also the disabled rules (deleted ones never)'),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            after: z.string().max(200).optional().describe('the `next` of the previous page'),
          }),
          response: { 200: z.object({ rules: z.array(ruleSchema), next: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const { kind, includeDisabled, limit, after } = request.query;
        const rules = await listRules(db, {
          ...(kind ? { kind } : {}),
          enabledOnly: !includeDisabled,
          limit,
          ...(after !== undefined ? { afterName: after } : {}),
        });
        return { rules: rules.map(ruleView), next: rules.length === limit ? (rules[rules.length - 1]?.name ?? null) : null };
      },
    );

    routes.get(
      '/rules/:name',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'a rule as it stands, and its history: who changed what, and when',
          params: nameParams,
          response: { 200: ruleWithHistorySchema, ...errors },
        },
      },
      async (request, reply) => {
        const rule = await liveRule(db, request.params.name);
        withVersionTag(reply, rule);
        return { rule: ruleView(rule), history: (await latestHistory(db, rule.name, rule.version)).map(documentVersionView) };
      },
    );

    routes.post(
      '/rules',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'create a rule',
          description: `${RULE_DOCUMENT}, plus optionally \`enabled\` (default true) and \`note\`. Mistakes come back as 400 \`invalid_rule\`, each issue at its JSON path in the rule.`,
          body: z.looseObject({ enabled: z.boolean().optional(), note: noteField }),
          response: { 201: changeResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { enabled, note, ...document } = request.body;
        const definition = validRule(document);
        const change = { actor: principalOf(request).name, ...(note !== undefined ? { note } : {}), ...(enabled !== undefined ? { enabled } : {}) };
        const applied = await changeOrRefuse(() => applyRuleChange(db, npsSettingsOf(deps.config), null, (trx) => createRule(trx, definition, change)));
        withVersionTag(reply, applied.rule);
        return reply.code(201).send({ rule: ruleView(applied.rule), changed: applied.changed, refreshed: refreshView(applied.refreshed) });
      },
    );

    routes.put(
      '/rules/:name',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'change a rule: a new version, made from the version the client read',
          description:
            `${RULE_DOCUMENT}, plus \`expectedVersion\` (or the If-Match header): the version the change was made from. ` +
            'If the rule has moved on since, nothing is saved and the answer is 409 `version_conflict`. A different `name` renames the rule; its kind cannot change.',
          params: nameParams,
          headers: ifMatchHeaders,
          body: z.looseObject({ expectedVersion: expectedVersionField, note: noteField }),
          response: { 200: changeResponseSchema, 428: errorResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { expectedVersion: bodyVersion, note, ...document } = request.body;
        const expectedVersion = expectedVersionOf(request.headers['if-match'], bodyVersion);
        if (expectedVersion === undefined) {
          throw new ApiError(428, 'version_required', 'send the version you edited, as the If-Match header ("3") or as expectedVersion, so that nobody\'s change is overwritten unseen');
        }
        const definition = validRule(document);
        const change = { actor: principalOf(request).name, expectedVersion, ...(note !== undefined ? { note } : {}) };
        const name = request.params.name;
        const applied = await changeOrRefuse(() => applyRuleChange(db, npsSettingsOf(deps.config), name, (trx) => updateRule(trx, name, definition, change)));
        withVersionTag(reply, applied.rule);
        return { rule: ruleView(applied.rule), changed: applied.changed, refreshed: refreshView(applied.refreshed) };
      },
    );

    for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
      routes.post(
        `/rules/:name/${action}`,
        {
          config: admin,
          schema: {
            tags: ['rules'],
            summary: `${action} a rule (a new version; the history is kept)`,
            params: nameParams,
            headers: ifMatchHeaders,
            body: z.object({ expectedVersion: expectedVersionField, note: noteField }).nullish().describe('optional'),
            response: { 200: changeResponseSchema, ...errors },
          },
        },
        async (request, reply) => {
          const expectedVersion = expectedVersionOf(request.headers['if-match'], request.body?.expectedVersion);
          const note = request.body?.note;
          const change = { actor: principalOf(request).name, ...(expectedVersion !== undefined ? { expectedVersion } : {}), ...(note !== undefined ? { note } : {}) };
          const name = request.params.name;
          const applied = await changeOrRefuse(() => applyRuleChange(db, npsSettingsOf(deps.config), name, (trx) => setRuleEnabled(trx, name, enabled, change)));
          withVersionTag(reply, applied.rule);
          return { rule: ruleView(applied.rule), changed: applied.changed, refreshed: refreshView(applied.refreshed) };
        },
      );
    }

    routes.delete(
      '/rules/:name',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'delete a rule: it stops running and its name is free, but it and its history are kept',
          params: nameParams,
          headers: ifMatchHeaders,
          response: { 200: ruleWithHistorySchema, ...errors },
        },
      },
      async (request) => {
        const expectedVersion = expectedVersionOf(request.headers['if-match'], undefined);
        const name = request.params.name;
        const change = { actor: principalOf(request).name, ...(expectedVersion !== undefined ? { expectedVersion } : {}) };
        const { rule } = await changeOrRefuse(() => applyRuleChange(db, npsSettingsOf(deps.config), name, (trx) => deleteRule(trx, name, change)));
        return { rule: ruleView(rule), history: (await latestHistory(db, name, rule.version)).map(documentVersionView) };
      },
    );

    routes.post(
      '/rules/validate',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'check a rule without saving it: each mistake at its JSON path, with the valid values there',
          description:
            `${RULE_DOCUMENT}; \`enabled\` and \`note\`, as POST /rules takes them, are ignored. The check is the one saving runs. ` +
            'Always 200: `valid` says whether it would be saved, and each issue carries `validValues` (facts, operators, enum values, kinds) ' +
            'when what is valid at its path is one of a known few, and `suggestion` when one of them is close to what was written.',
          body: z.unknown(),
          response: { 200: documentValidationSchema, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const document = typeof body === 'object' && body !== null && !Array.isArray(body) ? withoutKeys(body as Record<string, unknown>, ['enabled', 'note']) : body;
        const validation = validateRule(document);
        return documentValidationView([...(validation.ok ? [] : validation.errors), ...reservedNameErrors(document)]);
      },
    );

    routes.get(
      '/rules/schema',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: "a rule kind's JSON Schema (2020-12), for an editor: generated from the zod schemas that validate rules",
          description:
            "Conditions are described form by form (all, any, not, a leaf), with the facts and operators of the kind's subject from the fact catalogue. " +
            'It guides typing; POST /rules/validate is the full check (values per fact type, params, paths).',
          querystring: z.object({ kind: z.enum(RULE_KINDS) }),
          response: { 200: z.record(z.string(), z.unknown()).describe('a JSON Schema'), ...errors },
        },
      },
      async (request) => ruleJsonSchema(request.query.kind),
    );

    const dryRunDescription =
      'Saves nothing. List rules: the users the compiled SQL selects now (`total`, one page by id) and, for the first of the page, ' +
      "json-rules-engine's explanation: each condition with the value it saw. Health rules: every account's colour, with the reasons. " +
      'Trigger rules: one response event, `responseId` or the latest response of `user` (an email).';

    routes.post(
      '/rules/dry-run',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'try a rule that is not saved: who it would select now, and why',
          description: `${RULE_DOCUMENT}. ${dryRunDescription}`,
          querystring: dryRunQuerySchema,
          body: z.unknown(),
          response: { 200: ruleDryRunSchema, ...errors },
        },
      },
      async (request) => dryRun(deps, validRule(request.body), request.query),
    );

    routes.post(
      '/rules/:name/dry-run',
      {
        config: admin,
        schema: {
          tags: ['rules'],
          summary: 'try a saved rule (enabled or not): who it would select now, and why',
          description: dryRunDescription,
          params: nameParams,
          querystring: dryRunQuerySchema,
          response: { 200: ruleDryRunSchema, ...errors },
        },
      },
      async (request) => dryRun(deps, (await liveRule(db, request.params.name)).definition, request.query),
    );
  });
}

/** The rule document, valid, or a 400 with each mistake at its JSON path in it. */
function validRule(document: unknown): RuleDefinition {
  const validation = validateRule(document);
  const errors = [...(validation.ok ? [] : validation.errors), ...reservedNameErrors(document)];
  if (!validation.ok || errors.length > 0) throw invalidDocument('invalid_rule', 'rule', errors);
  return validation.rule;
}

/** GET /rules/schema is not a rule's page: a rule may not take that name. */
function reservedNameErrors(document: unknown): RuleError[] {
  const name = typeof document === 'object' && document !== null ? (document as Record<string, unknown>)['name'] : undefined;
  return name === 'schema' ? [{ path: '$.name', message: '"schema" is taken by GET /rules/schema; choose another name' }] : [];
}

async function liveRule(db: Kysely<Database>, name: string): Promise<Rule> {
  try {
    return await getRule(db, name);
  } catch (error) {
    if (error instanceof RuleNotFoundError) throw notFound(`rule "${name}"`);
    throw error;
  }
}

async function latestHistory(db: Kysely<Database>, name: string, version: number) {
  return ruleHistory(db, name, { afterVersion: Math.max(0, version - HISTORY_SHOWN), limit: HISTORY_SHOWN });
}

function withVersionTag(reply: FastifyReply, rule: Rule): void {
  void reply.header('etag', `"${rule.version}"`);
}

/** The repository's refusals as the client sees them; nothing was saved in any of these cases. */
async function changeOrRefuse<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof RuleNotFoundError) throw notFound(`rule "${error.ruleName}"`);
    if (error instanceof StaleRuleVersionError) throw new ApiError(409, 'version_conflict', error.message);
    if (error instanceof RuleConflictError) throw new ApiError(409, 'rule_exists', error.message);
    if (error instanceof RuleKindChangeError) throw invalidDocument('invalid_rule', 'rule', [{ path: '$.kind', message: `must stay "${error.from}": ${error.message}` }]);
    throw error;
  }
}

async function dryRun(deps: ApiDependencies, rule: RuleDefinition, query: z.infer<typeof dryRunQuerySchema>) {
  const { limit, after, responseId, user } = query;
  if (rule.kind !== 'trigger' && (responseId !== undefined || user !== undefined)) {
    throw new ApiError(400, 'invalid_request', `responseId and user choose the event a trigger rule is tried on; "${rule.name}" is a ${rule.kind} rule`, [
      { path: responseId !== undefined ? 'querystring.responseId' : 'querystring.user', message: `is for trigger rules only; "${rule.name}" is a ${rule.kind} rule` },
    ]);
  }
  if (responseId !== undefined && user !== undefined) {
    throw new ApiError(400, 'invalid_request', 'give responseId or user, not both', [{ path: 'querystring.user', message: 'must be left out when responseId is given' }]);
  }
  let event: TriggerEventSource | undefined;
  if (responseId !== undefined) event = { responseId };
  if (user !== undefined) {
    const userId = await userIdByEmail(deps.db, user);
    if (userId === null) throw notFound(`user ${user}`);
    event = { userId };
  }
  try {
    return await dryRunRule(deps.db, rule, npsSettingsOf(deps.config), { limit, ...(after !== undefined ? { afterId: after } : {}), ...(event ? { event } : {}) });
  } catch (error) {
    if (error instanceof DryRunEventRequiredError) {
      throw new ApiError(400, 'event_required', `${error.message}: ?responseId=<id> or ?user=<email>`, [
        { path: 'querystring.responseId', message: 'is required to try a trigger rule: a response id, or else user, the email of a user whose latest response to use' },
      ]);
    }
    if (error instanceof DryRunEventNotFoundError) throw new ApiError(404, 'not_found', error.message);
    throw error;
  }
}

/** The object without these keys (the document inside a body that also carries options). */
function withoutKeys(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)));
}
