import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { JourneyDefinition } from '../../journeys/journey-definition.ts';

export type JourneyChange = 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted';

/** One row per change of a journey, never updated: who changed what, and when. */
export interface JourneyVersionsTable {
  journey_id: number;
  version: number;
  /** The definition and state as they were after this change. */
  definition: ColumnType<JourneyDefinition, string, never>;
  enabled: boolean;
  changed_by: string;
  changed_at: Date;
  change: JourneyChange;
  note: string | null;
}

export type JourneyVersion = Selectable<JourneyVersionsTable>;
export type NewJourneyVersion = Insertable<JourneyVersionsTable>;
export type JourneyVersionUpdate = Updateable<JourneyVersionsTable>;
