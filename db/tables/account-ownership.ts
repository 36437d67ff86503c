import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Who owned an account over [valid_from, valid_to); valid_to null means "still". */
export interface AccountOwnershipTable {
  id: Generated<number>;
  account_id: number;
  csm_id: number | null;
  valid_from: Date;
  valid_to: Date | null;
}

export type AccountOwnership = Selectable<AccountOwnershipTable>;
export type NewAccountOwnership = Insertable<AccountOwnershipTable>;
export type AccountOwnershipUpdate = Updateable<AccountOwnershipTable>;
