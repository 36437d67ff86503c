import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { inTransaction } from '../../db/in-transaction.ts';
import { type CsmRecord, csmRecordSchema } from './schemas.ts';
import {
  chunksForParameters,
  knownId,
  quote,
  SyncBatch,
  type SyncInput,
  type SyncIssue,
  type SyncOptions,
  type SyncResult,
} from './sync-batch.ts';
import { upsertByExternalId } from './upsert-by-external-id.ts';

/** A CSM already in the instance, and who manages them there. */
interface StoredCsm {
  id: number;
  managerExternalId: string | null;
}

/**
 * Upserts CSMs by external id in one transaction. A manager may be a stored CSM or one of this
 * batch, in any order; an unknown manager, or a manager chain that loops, rejects the record.
 */
export async function syncCsms(db: Kysely<Database>, records: SyncInput, { now }: SyncOptions): Promise<SyncResult> {
  const batch = new SyncBatch(csmRecordSchema, records);
  return inTransaction(db, async (trx) => {
    const stored = await storedCsmsAndTheirManagers(trx, [
      ...batch.records.map((csm) => csm.externalId),
      ...batch.records.flatMap((csm) => csm.managerExternalId ?? []),
    ]);
    rejectBrokenManagerReferences(batch, stored);
    if (batch.accepted.length === 0) return batch.result();

    const ids = new Map([...stored].map(([externalId, csm]) => [externalId, csm.id]));
    // No manager_id: the upsert leaves a stored CSM's manager alone until the update below sets it.
    const rows = batch.records.map((csm) => ({ external_id: csm.externalId, email: csm.email, name: csm.name, time_zone: csm.timeZone, updated_at: now }));
    for (const chunk of chunksForParameters(rows)) {
      const upserted = await upsertByExternalId(trx, 'csms', chunk).returning(['id', 'external_id']).execute();
      for (const row of upserted) ids.set(row.external_id, row.id);
    }

    // Managers are set once every CSM of the batch exists, so a manager may come later in the batch.
    const csmIds = batch.records.map((csm) => knownId(ids, csm.externalId));
    const managerIds = batch.records.map((csm) => (csm.managerExternalId === null ? null : knownId(ids, csm.managerExternalId)));
    await sql`
      update csms set manager_id = assigned.manager_id
      from unnest(${csmIds}::integer[], ${managerIds}::integer[]) as assigned(id, manager_id)
      where csms.id = assigned.id and csms.manager_id is distinct from assigned.manager_id
    `.execute(trx);

    return batch.result();
  });
}

/** The stored CSMs among `externalIds` and every manager above them, by external id. */
async function storedCsmsAndTheirManagers(db: Kysely<Database>, externalIds: string[]): Promise<Map<string, StoredCsm>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await sql<{ id: number; external_id: string; manager_external_id: string | null }>`
    with recursive chain as (
      select id, external_id, manager_id from csms where external_id = any(${[...new Set(externalIds)]}::text[])
      union
      select manager.id, manager.external_id, manager.manager_id
      from csms manager join chain on manager.id = chain.manager_id
    )
    select chain.id, chain.external_id, manager.external_id as manager_external_id
    from chain left join csms manager on manager.id = chain.manager_id
  `.execute(db);
  return new Map(rows.map((row) => [row.external_id, { id: row.id, managerExternalId: row.manager_external_id }]));
}

/**
 * Rejects CSMs whose manager is unknown or whose chain of managers would loop back to them
 * (escalation would go round forever). Repeats until nothing changes: a rejection can remove
 * the only record of another CSM's manager, or bring back a stored manager that closes a loop.
 */
function rejectBrokenManagerReferences(batch: SyncBatch<CsmRecord>, stored: Map<string, StoredCsm>): void {
  for (;;) {
    const incoming = new Map(batch.records.map((csm) => [csm.externalId, csm.managerExternalId]));
    const managerOf = (externalId: string): string | null =>
      incoming.has(externalId) ? (incoming.get(externalId) ?? null) : (stored.get(externalId)?.managerExternalId ?? null);
    const before = batch.accepted.length;
    batch.keepWhere(({ record }): SyncIssue[] => {
      const manager = record.managerExternalId;
      if (manager === null) return [];
      if (manager === record.externalId) return [{ path: 'managerExternalId', message: 'a CSM cannot be their own manager' }];
      if (!incoming.has(manager) && !stored.has(manager)) {
        return [{ path: 'managerExternalId', message: `no CSM with external id ${quote(manager)} exists or is valid in this batch` }];
      }
      const chain = [record.externalId];
      for (let next: string | null = manager; next !== null; next = managerOf(next)) {
        if (next === record.externalId) {
          return [{ path: 'managerExternalId', message: `managers would form a loop: ${[...chain, next].map(quote).join(' → ')}` }];
        }
        // A loop that does not pass through this CSM is reported on its own members.
        if (chain.includes(next)) break;
        chain.push(next);
      }
      return [];
    });
    if (batch.accepted.length === before) return;
  }
}
