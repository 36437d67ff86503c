import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';

/**
 * The secret that signs review links. Set NPSLOOP_LINK_SECRET in production (every worker and
 * API process must share it); an embedded instance generates one once and keeps it in its data
 * folder, so links sent before a restart still work after it.
 */
export function resolveLinkSecret(config: Config): string {
  if (config.linkSecret) return config.linkSecret;
  if (config.database.kind === 'postgres') {
    throw new Error('NPSLOOP_LINK_SECRET must be set when DATABASE_URL is: every npsloop process needs the same secret to sign and check review links');
  }
  const file = path.join(config.dataDir, 'link-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(file, 'utf8').trim();
}
