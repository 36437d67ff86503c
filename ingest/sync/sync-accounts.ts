import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { inTransaction } from '../../db/in-transaction.ts';
import type { NewAccountOwnerChange } from '../../db/tables/account-owner-changes.ts';
import { accountRecordSchema } from './schemas.ts';
import {
  anyInteger,
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

export interface AccountSyncResult extends SyncResult {
  /** Accounts that already had an owner history and now have a different CSM (or none), or the same one from earlier. */
  ownerChanges: OwnerChange[];
}

/** A change of owner on an account that already had one, as recorded in account_owner_changes. */
export interface OwnerChange {
  accountId: number;
  csmId: number | null;
  previousCsmId: number | null;
  effectiveFrom: Date;
  /** Responses given since effectiveFrom that were credited to someone else. */
  recreditedResponses: number;
}

export interface AccountSyncOptions extends SyncOptions {
  /** Who records the sync, kept with each owner change: an API token's name, the CLI's user. */
  recordedBy?: string;
}

/**
 * The first ownership interval of a new account starts here rather than at the sync, so responses
 * given before the account was added to the instance (a backfill, a late delivery) are credited
 * to the first CSM known to own it instead of to nobody.
 */
export const FIRST_OWNERSHIP_FROM = new Date('1970-01-01T00:00:00Z');

/**
 * Upserts accounts by external id in one transaction and keeps their ownership history. A new
 * owner takes over at `csmEffectiveFrom` when the record gives one (a handover recorded after
 * the fact), else now: the intervals from then on are replaced, the responses given since are
 * credited to the new owner, and the change is recorded with who recorded it. An account whose
 * CSM is not in the instance is rejected; sync CSMs first.
 */
export async function syncAccounts(db: Kysely<Database>, records: SyncInput, { now, recordedBy = 'sync' }: AccountSyncOptions): Promise<AccountSyncResult> {
  const batch = new SyncBatch(accountRecordSchema, records);
  batch.keepWhere(({ record }) =>
    record.csmEffectiveFrom !== null && record.csmEffectiveFrom.getTime() > now.getTime()
      ? [{ path: 'csmEffectiveFrom', message: `is in the future (${record.csmEffectiveFrom.toISOString()}); a handover is recorded when it has happened` }]
      : [],
  );
  return inTransaction(db, async (trx) => {
    const csmIds = await idsByExternalId(trx, 'csms', batch.records.flatMap((account) => account.csmExternalId ?? []));
    batch.keepWhere(({ record }) =>
      record.csmExternalId === null || csmIds.has(record.csmExternalId)
        ? []
        : [unknownReference('csmExternalId', 'CSM', record.csmExternalId)],
    );
    if (batch.accepted.length === 0) return { ...batch.result(), ownerChanges: [] };

    const rows = batch.records.map((account) => ({
      external_id: account.externalId,
      name: account.name,
      segment: account.segment,
      csm_id: account.csmExternalId === null ? null : knownId(csmIds, account.csmExternalId),
      attributes: JSON.stringify(account.attributes),
      updated_at: now,
    }));
    const effectiveFrom = new Map(batch.records.map((account) => [account.externalId, account.csmEffectiveFrom]));
    const owners = new Map<number, NewOwner>();
    for (const chunk of chunksForParameters(rows)) {
      const upserted = await upsertByExternalId(trx, 'accounts', chunk).returning(['id', 'external_id', 'csm_id']).execute();
      for (const account of upserted) owners.set(account.id, { csmId: account.csm_id, from: effectiveFrom.get(account.external_id) ?? null });
    }

    const ownerChanges = await recordOwnership(trx, owners, now, recordedBy);
    return { ...batch.result(), ownerChanges };
  });
}

interface NewOwner {
  csmId: number | null;
  /** Null: from now. */
  from: Date | null;
}

interface Interval {
  id: number;
  csm_id: number | null;
  valid_from: Date;
  valid_to: Date | null;
}

/**
 * Brings each account's ownership history in line with its owner; returns the changes on accounts
 * that had a history. The history, not accounts.csm_id, says who owned it before: the upsert has
 * already overwritten that column.
 */
async function recordOwnership(db: Kysely<Database>, owners: Map<number, NewOwner>, now: Date, recordedBy: string): Promise<OwnerChange[]> {
  const history = await db
    .selectFrom('account_ownership')
    .select(['id', 'account_id', 'csm_id', 'valid_from', 'valid_to'])
    .where('account_id', '=', anyInteger([...owners.keys()]))
    .orderBy('valid_from')
    .execute();
  const intervals = new Map<number, Interval[]>();
  for (const interval of history) intervals.set(interval.account_id, [...(intervals.get(interval.account_id) ?? []), interval]);

  // New accounts, in bulk: owned since the epoch.
  const firstOwners = [...owners].filter(([accountId]) => !intervals.has(accountId));
  for (const chunk of chunksForParameters(firstOwners.map(([accountId, { csmId }]) => ({ account_id: accountId, csm_id: csmId, valid_from: FIRST_OWNERSHIP_FROM, valid_to: null })))) {
    await db.insertInto('account_ownership').values(chunk).execute();
  }
  const firstChanges: NewAccountOwnerChange[] = firstOwners.map(([accountId, { csmId }]) => ({
    account_id: accountId,
    csm_id: csmId,
    previous_csm_id: null,
    effective_from: FIRST_OWNERSHIP_FROM,
    recorded_at: now,
    recorded_by: recordedBy,
  }));
  for (const chunk of chunksForParameters(firstChanges)) await db.insertInto('account_owner_changes').values(chunk).execute();

  const changes: OwnerChange[] = [];
  for (const [accountId, owner] of owners) {
    const known = intervals.get(accountId);
    if (known === undefined) continue;
    const change = await changeOwner(db, accountId, known, owner, now);
    if (change === null) continue;
    await db
      .insertInto('account_owner_changes')
      .values({
        account_id: accountId,
        csm_id: change.csmId,
        previous_csm_id: change.previousCsmId,
        effective_from: change.effectiveFrom,
        recorded_at: now,
        recorded_by: recordedBy,
        recredited_responses: change.recreditedResponses,
      })
      .execute();
    changes.push(change);
  }
  return changes;
}

/**
 * Makes `owner` the account's owner from its time on: intervals that start then or later are
 * replaced, the one running at that time ends there, and an interval of the same CSM that ends
 * there is continued instead of a new one opened. Null when the owner already holds the account
 * from then on.
 */
async function changeOwner(db: Kysely<Database>, accountId: number, intervals: Interval[], owner: NewOwner, now: Date): Promise<OwnerChange | null> {
  const from = owner.from ?? now;
  const current = intervals.find((interval) => interval.valid_to === null) ?? null;
  const atFrom = intervals.find((i) => i.valid_from.getTime() <= from.getTime() && (i.valid_to === null || i.valid_to.getTime() > from.getTime()));
  if (atFrom !== undefined && atFrom === current && atFrom.csm_id === owner.csmId) return null;

  const replaced = intervals.filter((interval) => interval.valid_from.getTime() >= from.getTime()).map((interval) => interval.id);
  if (replaced.length > 0) await db.deleteFrom('account_ownership').where('id', '=', anyInteger(replaced)).execute();
  const before = intervals.filter((interval) => interval.valid_from.getTime() < from.getTime()).at(-1);
  if (before?.csm_id === owner.csmId && before !== undefined) {
    await db.updateTable('account_ownership').set({ valid_to: null }).where('id', '=', before.id).execute();
  } else {
    if (before && (before.valid_to === null || before.valid_to.getTime() > from.getTime())) {
      await db.updateTable('account_ownership').set({ valid_to: from }).where('id', '=', before.id).execute();
    }
    await db.insertInto('account_ownership').values({ account_id: accountId, csm_id: owner.csmId, valid_from: from, valid_to: null }).execute();
  }
  const recredited = await db
    .updateTable('nps_responses')
    .set({ csm_id: owner.csmId })
    .where('account_id', '=', accountId)
    .where('responded_at', '>=', from)
    .where(sql<boolean>`csm_id is distinct from ${owner.csmId}`)
    .executeTakeFirst();
  return {
    accountId,
    csmId: owner.csmId,
    previousCsmId: current?.csm_id ?? null,
    effectiveFrom: from,
    recreditedResponses: Number(recredited.numUpdatedRows),
  };
}
