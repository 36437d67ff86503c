import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export type HealthDimension = 'relationship' | 'service';
export type HealthColour = 'green' | 'amber' | 'red';

/** Each account's current colour per dimension, as the first holding criterion of a health rule gave it. */
export interface AccountHealthTable {
  account_id: number;
  dimension: HealthDimension;
  colour: HealthColour;
  reasons: ColumnType<string[], string, string>;
  rule_id: number;
  rule_version: number;
  computed_at: Date;
}

export type AccountHealth = Selectable<AccountHealthTable>;
export type NewAccountHealth = Insertable<AccountHealthTable>;
export type AccountHealthUpdate = Updateable<AccountHealthTable>;
