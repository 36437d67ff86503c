import type { Generated, Insertable, Selectable } from 'kysely';

/** One recorded change of an account's owner; account_ownership holds the intervals it produced. */
export interface AccountOwnerChangesTable {
  id: Generated<number>;
  account_id: number;
  /** The new owner; null: the account has none from then on. */
  csm_id: number | null;
  previous_csm_id: number | null;
  /** From when the new owner is credited: the sync's time, or earlier for a handover recorded late. */
  effective_from: Date;
  recorded_at: Date;
  /** An API token's name, the CLI's user, or "sync" for changes from before this was kept. */
  recorded_by: string;
  /** Responses given since effective_from that were credited to someone else until this change. */
  recredited_responses: Generated<number>;
}

export type AccountOwnerChange = Selectable<AccountOwnerChangesTable>;
export type NewAccountOwnerChange = Insertable<AccountOwnerChangesTable>;
