import { type Kysely, sql } from 'kysely';

// Signing in to the web app: one-time links sent by email, and the sessions they open. Only a
// SHA-256 of each link's and session's token is kept, as for API tokens.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_links')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('next_path', 'text', (c) => c.notNull().check(sql`next_path like '/app/%'`))
    // Asked for on the sign-in page (rate-limited), sent in a task email, or printed by npsloop itself.
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('requested', 'task_email', 'printed')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  // The rate limit counts an address's recent requests.
  await db.schema.createIndex('sign_in_links_email_created').on('sign_in_links').columns(['email', 'created_at']).execute();

  await db.schema
    .createTable('web_sessions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'csm')`))
    .addColumn('csm_id', 'integer', (c) => c.references('csms.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    // As for API tokens: a csm session acts for exactly one CSM, an admin's for nobody in particular.
    .addCheckConstraint('web_sessions_csm_role', sql`(role = 'csm') = (csm_id is not null)`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('web_sessions').ifExists().execute();
  await db.schema.dropTable('sign_in_links').ifExists().execute();
}
