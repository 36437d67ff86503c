import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface CsmsTable {
  id: Generated<number>;
  external_id: string;
  email: string;
  name: string;
  /** The next level of escalation. */
  manager_id: number | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Csm = Selectable<CsmsTable>;
export type NewCsm = Insertable<CsmsTable>;
export type CsmUpdate = Updateable<CsmsTable>;
