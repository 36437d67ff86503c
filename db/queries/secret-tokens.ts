import { createHash, randomBytes } from 'node:crypto';

/**
 * A bearer secret of 256 random bits (API tokens, sign-in links, web sessions). Only its hash is
 * stored: with that much entropy a fast hash is safe, and a lookup by hash never compares secrets.
 */
export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
