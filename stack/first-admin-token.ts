import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { createApiToken } from '../db/queries/api-tokens.ts';

export type FirstAdminToken =
  | { kind: 'existing' }
  /** Embedded instance: kept in the data folder (mode 0600) so the demo is usable at once. */
  | { kind: 'saved'; file: string }
  /** Shared database: shown once, never stored in clear. */
  | { kind: 'shown-once'; token: string };

/**
 * An instance with no active admin token gets one, so somebody can use the API at all. More
 * tokens (csm, ingest) come from `npsloop tokens create`.
 */
export async function ensureFirstAdminToken(db: Kysely<Database>, config: Config): Promise<FirstAdminToken> {
  const active = await db.selectFrom('api_tokens').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).limit(1).execute();
  if (active.length > 0) return { kind: 'existing' };
  const { token } = await createApiToken(db, { name: 'first admin (npsloop start)', role: 'admin' });
  if (config.database.kind === 'postgres') return { kind: 'shown-once', token };
  const file = path.join(config.dataDir, 'admin-token');
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { kind: 'saved', file };
}
