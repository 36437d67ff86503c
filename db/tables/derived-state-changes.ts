import type { Generated, Insertable, Selectable } from 'kysely';

/** An account (and user) whose NPS snapshots, health and lists a stored response may have moved. */
export interface DerivedStateChangesTable {
  id: Generated<string>;
  account_id: number;
  /** The user whose lists to re-decide; null when only the account's figures moved. */
  user_id: number | null;
  changed_at: Generated<Date>;
}

export type DerivedStateChange = Selectable<DerivedStateChangesTable>;
export type NewDerivedStateChange = Insertable<DerivedStateChangesTable>;
