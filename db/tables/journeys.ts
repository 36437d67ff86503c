import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { JourneyDefinition } from '../../journeys/journey-definition.ts';

export interface JourneysTable {
  id: Generated<number>;
  name: ColumnType<string, string, never>;
  /** As journeys/journey-definition.ts accepted it when it was saved, defaults filled in. */
  definition: ColumnType<JourneyDefinition, string, string>;
  enabled: boolean;
  /** Bumped by every change; an enrollment records the version it copied. */
  version: number;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
  updated_by: string;
}

export type Journey = Selectable<JourneysTable>;
export type NewJourney = Insertable<JourneysTable>;
export type JourneyUpdate = Updateable<JourneysTable>;
