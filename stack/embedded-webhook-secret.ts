import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';

/**
 * npsloop's own webhook (`/webhooks/generic`, Standard Webhooks signing) on an embedded instance:
 * unless NPSLOOP_WEBHOOK_SECRET_GENERIC is set, a secret is generated once into the data folder,
 * so the demo's fresh responses, and a developer's curl, go through the real signed path.
 * A deployment on PostgreSQL sets its secrets itself; an unset one keeps its webhook closed.
 */
export function withEmbeddedWebhookSecret(config: Config): { config: Config; secretFile?: string } {
  if (config.webhookSecrets.generic || config.database.kind === 'postgres') return { config };
  const secretFile = path.join(config.dataDir, 'webhook-secret-generic');
  if (!fs.existsSync(secretFile)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(secretFile, `whsec_${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const generic = fs.readFileSync(secretFile, 'utf8').trim();
  return { config: { ...config, webhookSecrets: { ...config.webhookSecrets, generic } }, secretFile };
}
