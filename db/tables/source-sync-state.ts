import type { Insertable, Selectable, Updateable } from 'kysely';

export interface SourceSyncStateTable {
  source: string;
  /** When this source last delivered responses (taken or refused): account NPS's "last synced". */
  last_synced_at: Date;
  last_response_at: Date | null;
  received_count: number;
  accepted_count: number;
  rejected_count: number;
}

export type SourceSyncState = Selectable<SourceSyncStateTable>;
export type NewSourceSyncState = Insertable<SourceSyncStateTable>;
export type SourceSyncStateUpdate = Updateable<SourceSyncStateTable>;
