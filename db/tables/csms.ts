import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface CsmsTable {
  id: Generated<number>;
  external_id: string;
  email: string;
  name: string;
  /** The next level of escalation. */
  manager_id: number | null;
  /** The IANA zone the CSM reads times in; null: the instance's (NPSLOOP_TIME_ZONE). */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Csm = Selectable<CsmsTable>;
export type NewCsm = Insertable<CsmsTable>;
export type CsmUpdate = Updateable<CsmsTable>;
/** Who a CSM is, to people: what a task's assignee, an escalation target or a token's owner shows. */
export type CsmContact = Pick<Csm, 'id' | 'email' | 'name'>;
