import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
export const TICKET_STATUSES = ['open', 'pending', 'solved', 'closed'] as const;

export interface TicketsTable {
  id: Generated<number>;
  external_id: string;
  account_id: number;
  priority: (typeof TICKET_PRIORITIES)[number];
  status: (typeof TICKET_STATUSES)[number];
  subject: string | null;
  opened_at: Date;
  resolved_at: Date | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Ticket = Selectable<TicketsTable>;
export type NewTicket = Insertable<TicketsTable>;
export type TicketUpdate = Updateable<TicketsTable>;
