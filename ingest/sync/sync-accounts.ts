import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { inTransaction } from '../../db/in-transaction.ts';
import type { NewAccountOwnership } from '../../db/tables/account-ownership.ts';
import { accountRecordSchema } from './schemas.ts';
import {
  anyInteger,
  chunksForParameters,
  idsByExternalId,
  knownId,
  quote,
  SyncBatch,
  type SyncInput,
  type SyncOptions,
  type SyncResult,
} from './sync-batch.ts';

export interface AccountSyncResult extends SyncResult {
  /** Accounts that already had an owner history and now have a different CSM (or none). */
  ownerChangedAccountIds: number[];
}

/**
 * The first ownership interval of a new account starts here rather than at the sync, so responses
 * given before the account was added to the instance (a backfill, a late delivery) are credited
 * to the first CSM known to own it instead of to nobody.
 */
export const FIRST_OWNERSHIP_FROM = new Date('1970-01-01T00:00:00Z');

/**
 * Upserts accounts by external id in one transaction and keeps their ownership history: when the
 * owning CSM changes, the open interval closes at `now` and the new owner's opens from `now`.
 * An account whose CSM is not in the instance is rejected; sync CSMs first.
 */
export async function syncAccounts(db: Kysely<Database>, records: SyncInput, { now }: SyncOptions): Promise<AccountSyncResult> {
  const batch = new SyncBatch(accountRecordSchema, records);
  return inTransaction(db, async (trx) => {
    const csmIds = await idsByExternalId(trx, 'csms', batch.records.flatMap((account) => account.csm_external_id ?? []));
    batch.keepWhere(({ record }) =>
      record.csm_external_id === null || csmIds.has(record.csm_external_id)
        ? []
        : [{ path: 'csm_external_id', message: `no CSM with external id ${quote(record.csm_external_id)} is known to this instance` }],
    );
    if (batch.accepted.length === 0) return { ...batch.result(), ownerChangedAccountIds: [] };

    const rows = batch.records.map((account) => ({
      external_id: account.external_id,
      name: account.name,
      segment: account.segment,
      csm_id: account.csm_external_id === null ? null : knownId(csmIds, account.csm_external_id),
      attributes: JSON.stringify(account.attributes),
      updated_at: now,
    }));
    const owners = new Map<number, number | null>();
    for (const chunk of chunksForParameters(rows)) {
      const upserted = await trx
        .insertInto('accounts')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('external_id').doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            segment: eb.ref('excluded.segment'),
            csm_id: eb.ref('excluded.csm_id'),
            attributes: eb.ref('excluded.attributes'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning(['id', 'csm_id'])
        .execute();
      for (const account of upserted) owners.set(account.id, account.csm_id);
    }

    const ownerChangedAccountIds = await recordOwnership(trx, owners, now);
    return { ...batch.result(), ownerChangedAccountIds };
  });
}

/**
 * Brings each account's ownership history in line with its current owner; returns the accounts
 * with a history whose owner changed. The history, not accounts.csm_id, says who owned it before:
 * the upsert has already overwritten that column.
 */
async function recordOwnership(db: Kysely<Database>, owners: Map<number, number | null>, now: Date): Promise<number[]> {
  const history = await db
    .selectFrom('account_ownership')
    .select(['id', 'account_id', 'csm_id', 'valid_from', 'valid_to'])
    .where('account_id', '=', anyInteger([...owners.keys()]))
    .execute();
  const hasHistory = new Set(history.map((interval) => interval.account_id));
  const openIntervals = new Map(history.filter((interval) => interval.valid_to === null).map((interval) => [interval.account_id, interval]));

  const changed: number[] = [];
  const toClose: number[] = [];
  const toReassign: { id: number; csmId: number | null }[] = [];
  const toOpen: NewAccountOwnership[] = [];
  for (const [accountId, csmId] of owners) {
    const open = openIntervals.get(accountId);
    if (open?.csm_id === csmId) continue;
    if (hasHistory.has(accountId)) changed.push(accountId);
    if (open && open.valid_from >= now) {
      // An interval that has not started yet (a second change at the same instant) would be
      // empty once closed: it changes owner instead.
      toReassign.push({ id: open.id, csmId });
      continue;
    }
    if (open) toClose.push(open.id);
    toOpen.push({ account_id: accountId, csm_id: csmId, valid_from: hasHistory.has(accountId) ? now : FIRST_OWNERSHIP_FROM, valid_to: null });
  }

  // Closed before the new intervals open: at most one open interval per account.
  if (toClose.length > 0) {
    await db
      .updateTable('account_ownership')
      .set({ valid_to: now })
      .where('id', '=', anyInteger(toClose))
      .execute();
  }
  if (toReassign.length > 0) {
    await sql`
      update account_ownership set csm_id = reassigned.csm_id
      from unnest(${toReassign.map((r) => r.id)}::integer[], ${toReassign.map((r) => r.csmId)}::integer[]) as reassigned(id, csm_id)
      where account_ownership.id = reassigned.id
    `.execute(db);
  }
  for (const chunk of chunksForParameters(toOpen)) {
    await db.insertInto('account_ownership').values(chunk).execute();
  }
  return changed;
}
