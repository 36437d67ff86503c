import type { Insertable, Selectable, Updateable } from 'kysely';
import type { CountingMode } from '../../nps/counts.ts';

/** Account NPS per standard window, stored so the account grid needs no scan. */
export interface AccountNpsSnapshotsTable {
  account_id: number;
  window_key: string;
  window_start: Date;
  window_end: Date;
  counting: CountingMode;
  promoters: number;
  passives: number;
  detractors: number;
  total: number;
  /** null when there are no responses: NPS is undefined, not 0. */
  nps: number | null;
  margin_of_error: number | null;
  sources: string[];
  last_response_at: Date | null;
  computed_at: Date;
}

export type AccountNpsSnapshot = Selectable<AccountNpsSnapshotsTable>;
export type NewAccountNpsSnapshot = Insertable<AccountNpsSnapshotsTable>;
export type AccountNpsSnapshotUpdate = Updateable<AccountNpsSnapshotsTable>;
