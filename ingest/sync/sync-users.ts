import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import { inTransaction } from '../../db/in-transaction.ts';
import { type UserRecord, userRecordSchema } from './schemas.ts';
import {
  type AcceptedRecord,
  anyText,
  chunksForParameters,
  idsByExternalId,
  knownId,
  quote,
  SyncBatch,
  type SyncInput,
  type SyncIssue,
  type SyncOptions,
  type SyncResult,
  unknownReference,
  where,
} from './sync-batch.ts';
import { upsertByExternalId } from './upsert-by-external-id.ts';

export interface UserSyncResult extends SyncResult {
  /** Lower-cased emails of the users upserted: responses rejected as from an unknown user can now be replayed. */
  emails: string[];
}

/**
 * Upserts users by external id in one transaction. Emails are unique in the instance: an email
 * that another user already has, here or earlier in the batch, rejects the record, as does an
 * account that is not in the instance (sync accounts first).
 */
export async function syncUsers(db: Kysely<Database>, records: SyncInput, { now }: SyncOptions): Promise<UserSyncResult> {
  const batch = new SyncBatch(userRecordSchema, records);
  const firstWithEmail = new Map<string, AcceptedRecord<UserRecord>>();
  batch.keepWhere((item) => {
    const earlier = firstWithEmail.get(item.record.email);
    if (earlier) return [{ path: 'email', message: `${item.record.email} is used by an earlier record of this batch (${where(earlier)})` }];
    firstWithEmail.set(item.record.email, item);
    return [];
  });

  return inTransaction(db, async (trx) => {
    const accountIds = await idsByExternalId(trx, 'accounts', batch.records.map((user) => user.accountExternalId));
    const emailOwners = await usersByEmail(trx, batch.records.map((user) => user.email));
    batch.keepWhere(({ record }) => {
      const issues: SyncIssue[] = [];
      if (!accountIds.has(record.accountExternalId)) {
        issues.push(unknownReference('accountExternalId', 'account', record.accountExternalId));
      }
      const owner = emailOwners.get(record.email);
      if (owner !== undefined && owner !== record.externalId) {
        issues.push({ path: 'email', message: `${record.email} already belongs to the user with external id ${quote(owner)}` });
      }
      return issues;
    });

    const rows = batch.records.map((user) => ({
      external_id: user.externalId,
      account_id: knownId(accountIds, user.accountExternalId),
      email: user.email,
      name: user.name,
      role: user.role,
      persona: user.persona,
      attributes: JSON.stringify(user.attributes),
      updated_at: now,
    }));
    for (const chunk of chunksForParameters(rows)) {
      await upsertByExternalId(trx, 'users', chunk).execute();
    }
    return { ...batch.result(), emails: rows.map((user) => user.email) };
  });
}

/** External ids of the stored users with these emails, by email. */
async function usersByEmail(db: Kysely<Database>, emails: string[]): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['email', 'external_id']).where('email', '=', anyText(emails)).execute();
  return new Map(rows.map((row) => [row.email, row.external_id]));
}
