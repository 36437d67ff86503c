import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { type ResponseRow, type UpsertedResponse, upsertResponses } from '../db/queries/nps-responses.ts';
import { insertRejections, upsertUnknownUserRejections } from '../db/queries/rejected-responses.ts';
import { recordResponseChanges } from '../db/queries/derived-state-changes.ts';
import { requestResponseWorkflows } from '../db/queries/response-workflow-starts.ts';
import { recordSourceSync } from '../db/queries/source-sync-state.ts';
import type { NewRejectedResponse, RejectionIssue, RejectionReason, StoredResponseJson } from '../db/tables/rejected-responses.ts';
import type { NormalizedResponse } from './response-shape.ts';
import { storableJson, storableText } from './storable-text.ts';

/** One delivered item: either a validated response or the reasons it is not one. */
export type IngestItem =
  | { ok: true; response: NormalizedResponse; payload: unknown; line?: number }
  | {
      ok: false;
      issues: RejectionIssue[];
      payload: unknown;
      line?: number;
      email?: string | null;
      sourceResponseId?: string | null;
    };

export interface Rejection {
  reason: RejectionReason;
  line: number | null;
  sourceResponseId: string | null;
  issues: RejectionIssue[];
}

export interface StoreBatchResult {
  received: number;
  inserted: number;
  updated: number;
  /** Valid redeliveries that changed nothing. */
  unchanged: number;
  rejected: Rejection[];
  /** New or changed responses: each is a score event for the journeys. Empty in summary mode. */
  changed: UpsertedResponse[];
  /** Accounts whose NPS may have moved. */
  touchedAccountIds: number[];
  /** Responses whose workflow start was queued for the relay. */
  workflowsQueued: number;
}

/**
 * Stores one source's batch in one transaction: valid responses from known users are upserted,
 * the rest go to the rejection log with their reasons, and the source's sync state moves on.
 * A bad item never sinks the batch; a database failure leaves nothing half-written.
 * Each new or changed response is recorded, in the same transaction, as one whose workflow must
 * start (the durable start; worker/response-workflow-relay.ts starts it) and as a change for the
 * worker's derived-state drainer (worker/derived-state-drainer.ts). `detail: 'summary'`
 * is for bulk imports: no per-response list (an import refreshes NPS, health and lists in bulk),
 * and workflows only for responses given on or after `startWorkflowsFrom` (none without it): a
 * recent wave imported acts like webhooks, a backfill of older history enrolls nobody.
 */
export async function storeBatch(
  db: Kysely<Database>,
  source: string,
  items: IngestItem[],
  receivedAt: Date,
  { detail = 'rows', startWorkflowsFrom = null }: { detail?: 'rows' | 'summary'; startWorkflowsFrom?: Date | null } = {},
): Promise<StoreBatchResult> {
  const valid = new Map<string, { response: NormalizedResponse; payload: unknown; line: number | null }>();
  const invalid: NewRejectedResponse[] = [];
  const rejected: Rejection[] = [];

  for (const item of items) {
    const line = item.line ?? null;
    if (item.ok) {
      // The same response twice in one batch (created, then updated) is one row: the later wins,
      // keeping a comment the later one lacks.
      const previous = valid.get(item.response.sourceResponseId);
      const response =
        previous && item.response.comment === null ? { ...item.response, comment: previous.response.comment } : item.response;
      valid.set(response.sourceResponseId, { response, payload: item.payload, line });
      continue;
    }
    const sourceResponseId = item.sourceResponseId ?? null;
    // An invalid item may carry what no database column can hold (a NUL): it is stored storable.
    invalid.push({
      source,
      reason: 'invalid',
      issues: storableJson(item.issues),
      line,
      email: storableText(item.email ?? null),
      source_response_id: storableText(sourceResponseId),
      payload: storableJson(item.payload ?? null),
      response: null,
      received_at: receivedAt,
    });
    rejected.push({ reason: 'invalid', line, sourceResponseId, issues: item.issues });
  }

  const rows: ResponseRow[] = [...valid.values()].map(({ response }) => response);

  return inTransaction(db, async (trx) => {
    const { upserted, inserted, updated, accountIds, unknownUserIds, idsFrom } = await upsertResponses(trx, source, rows, receivedAt, {
      detail,
      listIdsFrom: startWorkflowsFrom,
    });

    const unknown = unknownUserIds.map((id) => valid.get(id)!);
    await upsertUnknownUserRejections(
      trx,
      unknown.map(({ response, payload, line }) => ({
        source,
        reason: 'unknown_user' as const,
        issues: JSON.stringify([{ path: 'email', message: `no user with email ${response.email} is known to this instance` }]),
        line,
        email: response.email,
        source_response_id: response.sourceResponseId,
        payload: storableJson(payload ?? null),
        response: JSON.stringify(toStoredJson(response)),
        received_at: receivedAt,
      })),
    );
    for (const { response, line } of unknown) {
      rejected.push({
        reason: 'unknown_user',
        line,
        sourceResponseId: response.sourceResponseId,
        issues: [{ path: 'email', message: `no user with email ${response.email} is known to this instance` }],
      });
    }
    await insertRejections(trx, invalid);
    // Unchanged redeliveries are in neither list, so a redelivery or re-import starts nothing twice.
    const workflowIds = detail === 'rows' ? upserted.map((r) => r.id) : idsFrom;
    await requestResponseWorkflows(trx, workflowIds, receivedAt);
    // The worker's drainer refreshes their accounts' figures and users' lists within seconds.
    await recordResponseChanges(trx, workflowIds);

    const accepted = rows.length - unknown.length;
    let lastResponseAt: Date | null = null;
    const unknownIds = new Set(unknownUserIds);
    for (const row of rows) {
      if (!unknownIds.has(row.sourceResponseId) && (!lastResponseAt || row.respondedAt > lastResponseAt)) {
        lastResponseAt = row.respondedAt;
      }
    }
    await recordSourceSync(trx, source, receivedAt, {
      received: items.length,
      accepted,
      rejected: rejected.length,
      lastResponseAt,
    });

    rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return {
      received: items.length,
      inserted,
      updated,
      unchanged: accepted - inserted - updated,
      rejected,
      changed: upserted,
      touchedAccountIds: accountIds,
      workflowsQueued: workflowIds.length,
    };
  });
}

export function toStoredJson(response: NormalizedResponse): StoredResponseJson {
  return { ...response, respondedAt: response.respondedAt.toISOString() };
}

export function fromStoredJson(json: StoredResponseJson): NormalizedResponse {
  return { ...json, respondedAt: new Date(json.respondedAt) };
}
