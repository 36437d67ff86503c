import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Each time a review-request link was followed. */
export interface ReviewLinkClicksTable {
  id: Generated<number>;
  enrollment_id: number;
  clicked_at: Generated<Date>;
  user_agent: string | null;
}

export type ReviewLinkClick = Selectable<ReviewLinkClicksTable>;
export type NewReviewLinkClick = Insertable<ReviewLinkClicksTable>;
export type ReviewLinkClickUpdate = Updateable<ReviewLinkClicksTable>;
