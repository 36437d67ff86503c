import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { createApiToken } from '../db/queries/api-tokens.ts';
import { hashSecretToken } from '../db/queries/secret-tokens.ts';

/** How to sign in as admin, which `npm start` prints on every start. */
export type AdminToken =
  /** Embedded instance: kept in the data folder (mode 0600), so the demo and the quick start's curl work at once. */
  | { kind: 'saved'; file: string }
  /** Shared database, first start: shown once, never stored in clear. */
  | { kind: 'shown-once'; token: string }
  /** Shared database that has an admin token: only its hash is stored, so it cannot be shown again. */
  | { kind: 'existing' };

/**
 * An instance always has an admin token, so somebody can use the API at all. An embedded one
 * keeps one in its data folder, made again when that one was removed or revoked: whoever can
 * start it holds its database anyway. More tokens (csm, ingest) come from `npsloop tokens create`.
 */
export async function ensureAdminToken(db: Kysely<Database>, config: Config): Promise<AdminToken> {
  if (config.database.kind === 'postgres') {
    const active = await db.selectFrom('api_tokens').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).limit(1).execute();
    if (active.length > 0) return { kind: 'existing' };
    const { token } = await createApiToken(db, { name: 'first admin (npsloop start)', role: 'admin' });
    return { kind: 'shown-once', token };
  }
  const file = path.join(config.dataDir, 'admin-token');
  const saved = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (saved !== '' && (await isActiveAdminToken(db, saved))) return { kind: 'saved', file };
  const { token } = await createApiToken(db, { name: 'admin (npsloop start, in the data folder)', role: 'admin' });
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { kind: 'saved', file };
}

async function isActiveAdminToken(db: Kysely<Database>, token: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('token_hash', '=', hashSecretToken(token))
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}
