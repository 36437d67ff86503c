import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { refreshAfterChange } from '../../derived-state/refresh-after-change.ts';
import { syncAndRefresh } from '../../derived-state/sync-and-refresh.ts';
import { historyWindowStart, JOURNEY_WINDOW_DAYS } from '../../ingest/history-window.ts';
import { HistoryCsvError, importHistoryCsv, MAX_CSV_ROW_BYTES } from '../../ingest/import-history-csv.ts';
import type { SyncEntity } from '../../ingest/sync/schemas.ts';
import type { SyncInput } from '../../ingest/sync/sync-batch.ts';
import { parseSyncCsv, SyncCsvError } from '../../ingest/sync/sync-csv.ts';
import { SYNC_KIND_NAMES, SYNC_KINDS } from '../../ingest/sync/sync-kinds.ts';
import { ApiError, errorResponseSchema } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { principalOf } from '../auth/authenticate.ts';
import { reassignTasksAfterHandover, tasksToHandOver } from '../../tasks/reassign-after-handover.ts';
import { npsSettingsOf } from '../../config/nps-settings.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { limitedBodyStream } from '../limited-body-stream.ts';
import { withSpooledBody } from '../spooled-body.ts';

const CSV_MEDIA_TYPE = 'text/csv';

/** A sync holds at most 100,000 records (the CSV reader's own bound); 32 MB covers them. */
const SYNC_BODY_LIMIT = 32 * 1024 * 1024;
/** History files are streamed to a temporary file, then imported in one transaction. */
const IMPORT_BODY_LIMIT = 100 * 1024 * 1024;

const issueSchema = z.object({ path: z.string(), message: z.string() });

const syncJsonBodySchema = z.object({
  records: z.array(z.unknown(), { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list of records') }),
});

const syncResultSchema = z
  .object({
    received: z.number().int(),
    upserted: z.number().int(),
    rejected: z
      .array(
        z.object({
          index: z.number().int().describe('0-based position of the record'),
          line: z.number().int().optional().describe('1-based CSV line the record starts on (the header is line 1)'),
          externalId: z.string().nullable(),
          issues: z.array(issueSchema).describe('each with the field path in the record'),
        }),
      )
      .describe('records not written; every other record was'),
    responsesTaken: z.number().int().describe('responses that waited for these users and were taken now'),
    healthChanges: z.number().int(),
    ownerChanges: z
      .array(
        z.object({
          accountId: z.number().int(),
          csmId: z.number().int().nullable(),
          previousCsmId: z.number().int().nullable(),
          effectiveFrom: z.string(),
          responsesRecredited: z.number().int().describe('responses given since effectiveFrom, now credited to the new owner'),
        }),
      )
      .describe('accounts that changed owner (or took the same one from an earlier time)'),
    tasksReassigned: z.array(z.number().int()).describe("open follow-up tasks for responses since a handover, now the new owner's"),
    tasksNotReassigned: z
      .array(z.object({ taskId: z.number().int(), reason: z.string() }))
      .describe('tasks that could not be moved (Temporal did not answer, the journey refused): reassign them with POST /tasks/{id}/reassign'),
  })
  .meta({ id: 'SyncResult' });

const importResultSchema = z
  .object({
    rows: z.number().int(),
    accepted: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    rejected: z.number().int().describe('all of them are in the rejection log'),
    skipped: z.number().int().describe('rows older than `since`'),
    workflowsQueued: z
      .number()
      .int()
      .describe(`new or changed responses of the last ${JOURNEY_WINDOW_DAYS} days whose workflow (rules, journeys) is queued to start, as a webhook's would`),
    since: z.iso.datetime(),
    rejections: z
      .array(z.object({ line: z.number().int().nullable(), reason: z.enum(['invalid', 'unknown_user']), sourceResponseId: z.string().nullable(), issues: z.array(issueSchema) }))
      .describe('the first 100, in file order'),
    accountsRecomputed: z.number().int(),
    healthChanges: z.number().int(),
  })
  .meta({ id: 'HistoryImportResult' });

const errorResponses = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 413: errorResponseSchema, 415: errorResponseSchema };

/** Instance sync (CSMs, accounts, users, tickets by external id) and CSV history import. */
export function registerSyncRoutes(app: ApiApp, deps: ApiDependencies): void {
  void app.register(async (plugin) => {
    plugin.addContentTypeParser(CSV_MEDIA_TYPE, { parseAs: 'string' }, (_request, text, done) => done(null, text));
    plugin.withTypeProvider<ZodTypeProvider>().post(
      '/sync/:kind',
      {
        config: { access: rolesAllowed('ingest', 'admin') },
        bodyLimit: SYNC_BODY_LIMIT,
        schema: {
          tags: ['sync'],
          summary: 'add or update CSMs, accounts, users or tickets, keyed by externalId',
          description:
            'JSON `{ "records": [...] }`, or a text/csv file whose header names the record fields, spelt as in JSON (`attr.<name>` for custom attributes). ' +
            'Valid records are written; each invalid one is listed with its field path and, for CSV, its line. Sync CSMs before accounts, accounts before users and tickets. ' +
            "An account's `csmEffectiveFrom` dates a handover recorded late: the responses given since are credited to the new owner, " +
            'and their open follow-up tasks reassigned to them.',
          consumes: ['application/json', CSV_MEDIA_TYPE],
          params: z.object({ kind: z.enum(SYNC_KIND_NAMES) }),
          response: { 200: syncResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const entity = SYNC_KINDS[request.params.kind];
        const records = typeof request.body === 'string' ? await csvSyncRecords(entity, request.body) : jsonSyncRecords(request.body);
        const recordedBy = principalOf(request).name;
        const { result, refreshed } = await syncAndRefresh(deps.db, entity, records, npsSettingsOf(deps.config), { recordedBy });
        const handedOver = await tasksToHandOver(deps.db, result.ownerChanges);
        const tasks = await reassignTasksAfterHandover({ db: deps.db, temporal: deps.temporal }, handedOver, recordedBy);
        return {
          received: result.received,
          upserted: result.upserted,
          rejected: result.rejected,
          responsesTaken: result.replay?.replayed ?? 0,
          healthChanges: refreshed?.healthChanges.length ?? 0,
          ownerChanges: result.ownerChanges.map((change) => ({
            accountId: change.accountId,
            csmId: change.csmId,
            previousCsmId: change.previousCsmId,
            effectiveFrom: change.effectiveFrom.toISOString(),
            responsesRecredited: change.recreditedResponses,
          })),
          tasksReassigned: tasks.reassigned,
          tasksNotReassigned: tasks.failed,
        };
      },
    );
  });

  void app.register(async (plugin) => {
    // Only CSV, and streamed: the handler reads the request as the import goes.
    plugin.removeAllContentTypeParsers();
    plugin.addContentTypeParser(CSV_MEDIA_TYPE, (_request, body, done) => done(null, body));
    plugin.withTypeProvider<ZodTypeProvider>().post(
      '/imports/responses',
      {
        config: { access: rolesAllowed('ingest', 'admin') },
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ['sync'],
          summary: 'import a CSV of past NPS responses',
          description:
            'UTF-8 text; header: email, score, respondedAt, optional comment and response id (responseId, or as other tools export it: response_id, source_response_id or id). ' +
            'All or nothing: a file that cannot be read (an unclosed quote, bytes that are not UTF-8, a row over ' +
            `${MAX_CSV_ROW_BYTES / 1024} KiB, a body over ${IMPORT_BODY_LIMIT / 1024 / 1024} MiB) is refused with the line where it fails and nothing is stored. ` +
            'A row that is read but invalid (a bad score or date, an unknown user, a NUL character in any column) is rejected with its line and field ' +
            'and kept in the rejection log, and the other rows are imported. Sending the same file again counts nothing twice. ' +
            `New or changed responses of the last ${JOURNEY_WINDOW_DAYS} days start their workflows (rules and journeys) as webhooks do, unless \`journeys=false\`; older ones enroll nobody.`,
          consumes: [CSV_MEDIA_TYPE],
          querystring: z.object({
            source: z.string().trim().min(1).max(100).default('csv').describe('recorded as each response\'s source'),
            months: z.coerce.number().int().positive().optional().describe('only the last N months (default: NPSLOOP_HISTORY_MONTHS)'),
            since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('only responses given on or after this date (overrides months)'),
            journeys: z.stringbool().default(true).describe(`false: responses of the last ${JOURNEY_WINDOW_DAYS} days start no workflows (a backfill)`),
          }),
          response: { 200: importResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const settings = npsSettingsOf(deps.config);
        const { source, months, since: sinceText, journeys } = request.query;
        const since = sinceText ? new Date(sinceText) : historyWindowStart(settings.now, settings.timeZone, months ?? deps.config.historyMonths);
        // A request without a body and without a media type reaches the handler with none.
        if (request.body === undefined) throw new ApiError(415, 'unsupported_media_type', 'send the history as a text/csv body');
        const body = limitedBodyStream(request.body as Readable, request.headers, IMPORT_BODY_LIMIT);
        const result = await withSpooledBody(body, (file) => importHistoryCsv(deps.db, fs.createReadStream(file), { ...settings, source, since, startJourneys: journeys })).catch(
          (error: unknown) => {
            if (!(error instanceof HistoryCsvError)) throw error;
            throw new ApiError(400, 'invalid_csv', error.message, [{ path: `line ${error.line}`, message: error.reason }]);
          },
        );
        const refreshed = await refreshAfterChange(deps.db, { accountIds: result.touchedAccountIds, userIds: 'all' }, settings);
        const { touchedAccountIds, bytes: _bytes, ...summary } = result;
        return { ...summary, since: since.toISOString(), accountsRecomputed: touchedAccountIds.length, healthChanges: refreshed.healthChanges.length };
      },
    );
  });
}

function jsonSyncRecords(body: unknown): SyncInput {
  const parsed = syncJsonBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.records;
  throw new ApiError(
    400,
    'invalid_request',
    'the body must be { "records": [...] } or a text/csv file',
    parsed.error.issues.map((issue) => ({ path: ['body', ...issue.path].join('.'), message: issue.message })),
  );
}

async function csvSyncRecords(entity: SyncEntity, text: string): Promise<SyncInput> {
  try {
    return await parseSyncCsv(entity, text);
  } catch (error) {
    if (!(error instanceof SyncCsvError)) throw error;
    throw new ApiError(400, 'invalid_csv', `${error.message}; nothing was synced`, [
      { path: `line ${error.line}`, message: error.message.replace(/^line \d+: /, '') },
    ]);
  }
}
