import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** claimed: a send may be under way or has failed transiently; sent and failed are final. */
export const EMAIL_STATUSES = ['claimed', 'sent', 'failed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** One row per email a workflow step sends: claimed before sending, so a retry never sends twice. */
export interface EmailsTable {
  id: Generated<number>;
  /** From business ids (workflow id + step), never a run id, which changes on retry. */
  idempotency_key: ColumnType<string, string, never>;
  to_address: ColumnType<string, string, never>;
  subject: ColumnType<string, string, never>;
  body_text: ColumnType<string, string, never>;
  body_html: ColumnType<string | null, string | null | undefined, never>;
  /** The sender when not the instance's (NPSLOOP_MAIL_FROM): customer emails have their own. */
  from_address: ColumnType<string | null, string | null | undefined, never>;
  reply_to: ColumnType<string | null, string | null | undefined, never>;
  /** Extra headers, e.g. List-Unsubscribe on customer emails. */
  headers: ColumnType<Record<string, string> | null, string | null | undefined, never>;
  status: EmailStatus;
  /** Sends started; a claimed row with attempts > 0 and no error has a send in flight, or lost. */
  attempts: Generated<number>;
  message_id: string | null;
  /** Why the last attempt failed: a transient error while claimed, the reason when failed. */
  error: string | null;
  workflow_id: ColumnType<string | null, string | null | undefined, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  sent_at: Date | null;
  /** When the last attempt started or ended, by the database clock. */
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Email = Selectable<EmailsTable>;
export type NewEmail = Insertable<EmailsTable>;
export type EmailUpdate = Updateable<EmailsTable>;
