import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { type ReviewLinkSettings, enrollmentOfReviewToken } from '../../journeys/review-links.ts';
import type { Database } from '../../db/database.ts';
import { signalJourney } from '../../journeys/tell-journey.ts';
import { reviewLinkClickedSignal } from '../../journeys/journey-messages.ts';

/**
 * A followed review link: records the click, tells the journey (so it sends no reminder) and
 * returns where to send the browser. null for a malformed or forged link.
 */
export async function followReviewLink(
  { db, temporal, reviewLinks }: { db: Kysely<Database>; temporal: Client; reviewLinks: ReviewLinkSettings },
  token: string,
  userAgent: string | undefined,
): Promise<{ location: string } | null> {
  const enrollmentId = enrollmentOfReviewToken(reviewLinks, token);
  if (enrollmentId === null) return null;
  const enrollment = await db.selectFrom('enrollments').select(['workflow_id', 'definition']).where('id', '=', enrollmentId).executeTakeFirst();
  if (!enrollment || enrollment.definition.steps.type !== 'review_request') return null;
  await db.insertInto('review_link_clicks').values({ enrollment_id: enrollmentId, user_agent: userAgent?.slice(0, 500) ?? null }).execute();
  // The workflow id is the user's for this journey, and a later enrollment reuses it: the signal
  // names the enrollment whose email held the link, and only that run takes it. A click after the
  // journey ended is still recorded; there is nobody left to tell.
  await signalJourney(temporal, enrollment.workflow_id, reviewLinkClickedSignal, { enrollmentId });
  return { location: enrollment.definition.steps.reviewUrl };
}
