import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/** The current members of a list rule. */
export interface ListMembersTable {
  rule_id: number;
  user_id: number;
  /** When the user last entered the list. */
  since: Date;
  /** Why the user is in the list, when it was explained. */
  explanation: ColumnType<unknown, string | null | undefined, string | null>;
}

export type ListMember = Selectable<ListMembersTable>;
export type NewListMember = Insertable<ListMembersTable>;
export type ListMemberUpdate = Updateable<ListMembersTable>;
