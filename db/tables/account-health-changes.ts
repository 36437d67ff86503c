import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { HealthColour, HealthDimension } from './account-health.ts';

/** A change of an account's colour in a dimension; alerts and journeys start from these. */
export interface AccountHealthChangesTable {
  id: Generated<number>;
  account_id: number;
  dimension: HealthDimension;
  /** null for the account's first colour in the dimension. */
  from_colour: HealthColour | null;
  to_colour: HealthColour;
  reasons: ColumnType<string[], string, string>;
  rule_id: number;
  rule_version: number;
  changed_at: Date;
}

export type AccountHealthChange = Selectable<AccountHealthChangesTable>;
export type NewAccountHealthChange = Insertable<AccountHealthChangesTable>;
export type AccountHealthChangeUpdate = Updateable<AccountHealthChangesTable>;
