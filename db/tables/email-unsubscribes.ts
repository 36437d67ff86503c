import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/** How an unsubscribe came: a mail client's one-click POST (RFC 8058) or the page the link opens. */
export const UNSUBSCRIBE_METHODS = ['one_click', 'link'] as const;
export type UnsubscribeMethod = (typeof UNSUBSCRIBE_METHODS)[number];

/** An address that asked for no more journey emails; lower-cased. */
export interface EmailUnsubscribesTable {
  email: string;
  unsubscribed_at: ColumnType<Date, Date | undefined, never>;
  method: UnsubscribeMethod;
}

export type EmailUnsubscribe = Selectable<EmailUnsubscribesTable>;
export type NewEmailUnsubscribe = Insertable<EmailUnsubscribesTable>;
export type EmailUnsubscribeUpdate = Updateable<EmailUnsubscribesTable>;
