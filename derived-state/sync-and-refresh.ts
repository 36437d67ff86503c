import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { type InstanceSyncResult, syncInstance } from '../ingest/sync-instance.ts';
import type { SyncEntity } from '../ingest/sync/schemas.ts';
import type { SyncInput } from '../ingest/sync/sync-batch.ts';
import { type DerivedStateRefresh, refreshAfterChange } from './refresh-after-change.ts';

/**
 * A sync as the CLI and the API run it: the upsert, then what it moved. New users may enter
 * lists; new tickets, and responses taken from users now known, move health.
 */
export async function syncAndRefresh(
  db: Kysely<Database>,
  entity: SyncEntity,
  records: SyncInput,
  settings: NpsSettingsAt,
  who: { recordedBy?: string } = {},
): Promise<{ result: InstanceSyncResult; refreshed: DerivedStateRefresh | null }> {
  const result = await syncInstance(db, entity, records, settings, who);
  if (entity !== 'user' && entity !== 'ticket') return { result, refreshed: null };
  const refreshed = await refreshAfterChange(db, { accountIds: result.touchedAccountIds, userIds: entity === 'user' ? 'all' : [] }, settings);
  return { result, refreshed };
}
