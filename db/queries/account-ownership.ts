import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

export interface OwnerRef {
  id: number;
  name: string;
  email: string;
}

export interface OwnershipHistory {
  /** Who owned the account when, oldest first; `to` null for the current owner. */
  intervals: { csm: OwnerRef | null; from: Date; to: Date | null }[];
  /** Each recorded change, newest first: who recorded it, when, and from when it took effect. */
  changes: { csm: OwnerRef | null; previousCsm: OwnerRef | null; effectiveFrom: Date; recordedAt: Date; recordedBy: string; recreditedResponses: number }[];
}

export async function ownershipHistory(db: Kysely<Database>, accountId: number): Promise<OwnershipHistory> {
  const [intervals, changes] = await Promise.all([
    db
      .selectFrom('account_ownership as o')
      .leftJoin('csms as c', 'c.id', 'o.csm_id')
      .select(['c.id', 'c.name', 'c.email', 'o.valid_from', 'o.valid_to'])
      .where('o.account_id', '=', accountId)
      .orderBy('o.valid_from')
      .execute(),
    db
      .selectFrom('account_owner_changes as ch')
      .leftJoin('csms as c', 'c.id', 'ch.csm_id')
      .leftJoin('csms as p', 'p.id', 'ch.previous_csm_id')
      .select([
        'c.id as csm_id',
        'c.name as csm_name',
        'c.email as csm_email',
        'p.id as previous_id',
        'p.name as previous_name',
        'p.email as previous_email',
        'ch.effective_from',
        'ch.recorded_at',
        'ch.recorded_by',
        'ch.recredited_responses',
      ])
      .where('ch.account_id', '=', accountId)
      .orderBy('ch.recorded_at', 'desc')
      .orderBy('ch.id', 'desc')
      .execute(),
  ]);
  return {
    intervals: intervals.map((row) => ({ csm: refOf(row.id, row.name, row.email), from: row.valid_from, to: row.valid_to })),
    changes: changes.map((row) => ({
      csm: refOf(row.csm_id, row.csm_name, row.csm_email),
      previousCsm: refOf(row.previous_id, row.previous_name, row.previous_email),
      effectiveFrom: row.effective_from,
      recordedAt: row.recorded_at,
      recordedBy: row.recorded_by,
      recreditedResponses: row.recredited_responses,
    })),
  };
}

function refOf(id: number | null, name: string | null, email: string | null): OwnerRef | null {
  return id === null || name === null || email === null ? null : { id, name, email };
}
