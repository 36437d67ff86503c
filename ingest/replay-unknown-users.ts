import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { type UpsertedResponse, upsertResponses } from '../db/queries/nps-responses.ts';
import { markReplayed, pendingUnknownUserRejections } from '../db/queries/rejected-responses.ts';
import { recordResponseChanges } from '../db/queries/derived-state-changes.ts';
import { requestResponseWorkflows } from '../db/queries/response-workflow-starts.ts';
import { fromStoredJson } from './store-batch.ts';

export interface ReplayResult {
  replayed: number;
  changed: UpsertedResponse[];
  touchedAccountIds: number[];
}

/**
 * Takes the responses that were rejected as `unknown_user` for these emails, now that the
 * users are known, and marks each rejection with the response it became.
 */
export async function replayUnknownUserResponses(
  db: Kysely<Database>,
  emails: string[],
  now: Date,
): Promise<ReplayResult> {
  return inTransaction(db, async (trx) => {
    const pending = await pendingUnknownUserRejections(trx, emails);
    const bySource = new Map<string, typeof pending>();
    for (const rejection of pending) bySource.set(rejection.source, [...(bySource.get(rejection.source) ?? []), rejection]);

    const changed: UpsertedResponse[] = [];
    for (const [source, rejections] of bySource) {
      const { upserted } = await upsertResponses(trx, source, rejections.map((r) => fromStoredJson(r.response)), now);
      changed.push(...upserted);
    }
    const replayed = await markReplayed(trx, pending.map((r) => r.id), now);
    await requestResponseWorkflows(trx, changed.map((r) => r.id), now);
    await recordResponseChanges(trx, changed.map((r) => r.id));
    return {
      replayed,
      changed,
      touchedAccountIds: [...new Set(changed.map((r) => r.accountId))],
    };
  });
}
