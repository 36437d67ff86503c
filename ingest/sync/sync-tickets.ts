import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import { inTransaction } from '../../db/in-transaction.ts';
import { ticketRecordSchema } from './schemas.ts';
import {
  chunksForParameters,
  idsByExternalId,
  knownId,
  SyncBatch,
  type SyncInput,
  type SyncOptions,
  type SyncResult,
  unknownReference,
} from './sync-batch.ts';
import { upsertByExternalId } from './upsert-by-external-id.ts';

export interface TicketSyncResult extends SyncResult {
  /** Accounts whose tickets changed: their service health needs recomputing. */
  accountIds: number[];
}

/**
 * Upserts support tickets by external id in one transaction. A ticket of an account that is not
 * in the instance is rejected; sync accounts first.
 */
export async function syncTickets(db: Kysely<Database>, records: SyncInput, { now }: SyncOptions): Promise<TicketSyncResult> {
  const batch = new SyncBatch(ticketRecordSchema, records);
  return inTransaction(db, async (trx) => {
    const accountIds = await idsByExternalId(trx, 'accounts', batch.records.map((ticket) => ticket.accountExternalId));
    batch.keepWhere(({ record }) =>
      accountIds.has(record.accountExternalId)
        ? []
        : [unknownReference('accountExternalId', 'account', record.accountExternalId)],
    );

    const rows = batch.records.map((ticket) => ({
      external_id: ticket.externalId,
      account_id: knownId(accountIds, ticket.accountExternalId),
      priority: ticket.priority,
      status: ticket.status,
      subject: ticket.subject,
      opened_at: ticket.openedAt,
      resolved_at: ticket.resolvedAt,
      updated_at: now,
    }));
    for (const chunk of chunksForParameters(rows)) {
      await upsertByExternalId(trx, 'tickets', chunk).execute();
    }
    return { ...batch.result(), accountIds: [...new Set(rows.map((row) => row.account_id))] };
  });
}
