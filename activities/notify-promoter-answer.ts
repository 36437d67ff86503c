import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { signalJourney } from '../journeys/tell-journey.ts';
import { userAnsweredAsPromoterSignal } from '../journeys/journey-messages.ts';

/**
 * A user who answers as a promoter no longer needs a detractor follow-up: tell each of their
 * running follow-up journeys, which close the open task with that as the reason.
 */
export async function notifyPromoterAnswer(
  { db, temporal }: { db: Kysely<Database>; temporal: Client },
  { userId, responseId }: { userId: number; responseId: number },
): Promise<{ notified: string[] }> {
  const active = await db
    .selectFrom('enrollments')
    .select(['workflow_id', 'definition'])
    .where('user_id', '=', userId)
    .where('status', '=', 'active')
    .execute();
  const notified: string[] = [];
  for (const enrollment of active) {
    if (enrollment.definition.steps.type !== 'detractor_follow_up') continue;
    // A journey that ended in the meantime has nothing left to close.
    if ((await signalJourney(temporal, enrollment.workflow_id, userAnsweredAsPromoterSignal, { responseId })) === 'signalled') notified.push(enrollment.workflow_id);
  }
  return { notified };
}
