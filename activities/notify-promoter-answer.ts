import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { userAnsweredAsPromoterSignal } from '../workflows/journey-messages.ts';

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
    try {
      await temporal.workflow.getHandle(enrollment.workflow_id).signal(userAnsweredAsPromoterSignal, { responseId });
      notified.push(enrollment.workflow_id);
    } catch (error) {
      // The journey ended in the meantime: nothing left to close.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return { notified };
}
