import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { EnrollmentStatus } from '../../journeys/enrollment-status.ts';
import type { JourneyDefinition } from '../../journeys/journey-definition.ts';

/** One run of a journey for one user, started by one response. */
export interface EnrollmentsTable {
  id: Generated<number>;
  journey_name: ColumnType<string, string, never>;
  journey_version: ColumnType<number, number, never>;
  /** The definition copied at enrollment, so editing the journey never changes a run in flight. */
  definition: ColumnType<JourneyDefinition, string, never>;
  user_id: ColumnType<number, number, never>;
  /** The user's account when the response was given. */
  account_id: ColumnType<number, number, never>;
  response_id: ColumnType<number, number, never>;
  /** The journey workflow's id; one active enrollment per id, but later runs may reuse it. */
  workflow_id: ColumnType<string, string, never>;
  /** At most one active enrollment per user and journey (a partial unique index). */
  status: EnrollmentStatus;
  outcome: string | null;
  enrolled_at: ColumnType<Date, Date, never>;
  /** Set exactly when the status is no longer active. */
  ended_at: Date | null;
}

export type Enrollment = Selectable<EnrollmentsTable>;
export type NewEnrollment = Insertable<EnrollmentsTable>;
export type EnrollmentUpdate = Updateable<EnrollmentsTable>;
