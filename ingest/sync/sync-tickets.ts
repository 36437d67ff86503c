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
    const accountIds = await idsByExternalId(trx, 'accounts', batch.records.map((ticket) => ticket.account_external_id));
    batch.keepWhere(({ record }) =>
      accountIds.has(record.account_external_id)
        ? []
        : [unknownReference('account_external_id', 'account', record.account_external_id)],
    );

    const rows = batch.records.map((ticket) => ({
      external_id: ticket.external_id,
      account_id: knownId(accountIds, ticket.account_external_id),
      priority: ticket.priority,
      status: ticket.status,
      subject: ticket.subject,
      opened_at: ticket.opened_at,
      resolved_at: ticket.resolved_at,
      updated_at: now,
    }));
    for (const chunk of chunksForParameters(rows)) {
      await upsertByExternalId(trx, 'tickets', chunk).execute();
    }
    return { ...batch.result(), accountIds: [...new Set(rows.map((row) => row.account_id))] };
  });
}
