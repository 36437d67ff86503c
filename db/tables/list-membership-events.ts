import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type ListMembershipEventKind = 'entered' | 'exited';

/** Entries into and exits from a list, as refreshes found them. */
export interface ListMembershipEventsTable {
  id: Generated<number>;
  rule_id: number;
  user_id: number;
  event: ListMembershipEventKind;
  at: Date;
}

export type ListMembershipEvent = Selectable<ListMembershipEventsTable>;
export type NewListMembershipEvent = Insertable<ListMembershipEventsTable>;
export type ListMembershipEventUpdate = Updateable<ListMembershipEventsTable>;
