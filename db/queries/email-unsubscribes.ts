import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { EmailUnsubscribe, UnsubscribeMethod } from '../tables/email-unsubscribes.ts';

/** Records that the address wants no more journey emails; the first unsubscribe is the one kept. */
export async function recordUnsubscribe(db: Kysely<Database>, email: string, method: UnsubscribeMethod): Promise<EmailUnsubscribe> {
  const address = email.trim().toLowerCase();
  await db.insertInto('email_unsubscribes').values({ email: address, method }).onConflict((oc) => oc.column('email').doNothing()).execute();
  return db.selectFrom('email_unsubscribes').selectAll().where('email', '=', address).executeTakeFirstOrThrow();
}

/** When and how the address unsubscribed, if it did. */
export async function unsubscribeOf(db: Kysely<Database>, email: string): Promise<EmailUnsubscribe | undefined> {
  return db.selectFrom('email_unsubscribes').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}
