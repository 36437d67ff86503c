import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { ApiRole } from '../tables/api-tokens.ts';
import type { ApiPrincipal } from './api-principal.ts';
import { hashSecretToken, newSecretToken } from './secret-tokens.ts';

const TOKEN_PREFIX = 'nps_';

/** Creates a token and returns it: the only time it is ever visible, since only its hash is stored. */
export async function createApiToken(
  db: Kysely<Database>,
  { name, role, csmId = null }: { name: string; role: ApiRole; csmId?: number | null },
): Promise<{ id: number; token: string }> {
  const token = newSecretToken(TOKEN_PREFIX);
  const row = await db
    .insertInto('api_tokens')
    .values({ name, role, csm_id: csmId, token_hash: hashSecretToken(token), token_prefix: token.slice(0, 12) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/**
 * The principal of a presented token, or undefined when it is unknown or revoked. The lookup is
 * by hash, so no comparison ever runs over the secret itself.
 */
export async function findApiPrincipal(db: Kysely<Database>, token: string, now = new Date()): Promise<ApiPrincipal | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'csm_id', 'last_used_at'])
    .where('token_hash', '=', hashSecretToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  // Minute resolution is enough to spot unused tokens, and spares busy tokens a write per request.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { source: { kind: 'token', tokenId: row.id }, name: row.name, role: row.role, csmId: row.csm_id };
}

/** Every token by id, without its secret (the prefix only), named in camelCase as `npsloop tokens list --json` prints them. */
export async function listApiTokens(db: Kysely<Database>) {
  return db
    .selectFrom('api_tokens')
    .leftJoin('csms', 'csms.id', 'api_tokens.csm_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.role',
      'csms.email as csmEmail',
      'api_tokens.token_prefix as tokenPrefix',
      'api_tokens.created_at as createdAt',
      'api_tokens.last_used_at as lastUsedAt',
      'api_tokens.revoked_at as revokedAt',
    ])
    .orderBy('api_tokens.id')
    .execute();
}

/** Revokes a token; true when it existed and was active. */
export async function revokeApiToken(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
