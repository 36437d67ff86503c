import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { ResponseContext } from '../db/queries/enrollment-context.ts';
import type { Journey } from '../db/tables/journeys.ts';
import type { JourneyDefinition } from '../journeys/journey-definition.ts';
import { AccountExternalId, AccountId, AccountName, CsmEmail, EscalationLevel, JourneyName, NpsCategory, NpsScore } from '../journeys/search-attributes.ts';
import { type EnrollmentContext, type EnrollmentSkipReason, enrollUser } from './enroll-user.ts';

/** What a journey workflow starts with: its definition as it was at enrollment, never a later edit. */
export interface JourneyInput {
  enrollmentId: number;
  definition: JourneyDefinition;
  context: EnrollmentContext;
}

/** One workflow id per user and journey: readable in the Temporal UI, and the first guard against a second enrollment. */
export function journeyWorkflowId(journeyName: string, userId: number): string {
  return `journey-${journeyName}-user-${userId}`;
}

const WORKFLOW_OF_JOURNEY_TYPE = {
  review_request: 'promoterReviewRequestWorkflow',
  detractor_follow_up: 'detractorFollowUpWorkflow',
} as const satisfies Record<JourneyDefinition['steps']['type'], string>;

export interface StartJourneyDependencies {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
}

export type StartJourneyResult =
  | { status: 'started'; enrollmentId: number; workflowId: string }
  | { status: 'skipped'; reason: EnrollmentSkipReason; workflowId: string };

/**
 * Enrolls the user and starts the journey's workflow. Both guards hold: the database's unique
 * active enrollment, and the workflow id per user and journey started with USE_EXISTING, so a
 * retry or a redelivered response reaches the running journey instead of starting another.
 */
export async function startJourney(
  { db, temporal, taskQueue }: StartJourneyDependencies,
  input: { journeyName: string; userId: number; responseId: number; now: string },
  known?: { journey?: Journey; response?: ResponseContext },
): Promise<StartJourneyResult> {
  const workflowId = journeyWorkflowId(input.journeyName, input.userId);
  const enrollment = await enrollUser(db, { ...input, workflowId }, known);
  if (enrollment.status === 'skipped') return { status: 'skipped', reason: enrollment.reason, workflowId };
  const { definition, context } = enrollment;
  await startJourneyWorkflow({ temporal, taskQueue }, workflowId, { enrollmentId: enrollment.enrollmentId, definition, context });
  return { status: 'started', enrollmentId: enrollment.enrollmentId, workflowId };
}

/**
 * Starts (or, with USE_EXISTING, reaches) an enrolled user's journey workflow, with its search
 * attributes and memo. When the client shares the worker's native connection, the start asks
 * for eager dispatch: the server hands the first workflow task back with the start's answer, to
 * this worker, instead of through the task queue.
 */
export async function startJourneyWorkflow(
  { temporal, taskQueue }: Omit<StartJourneyDependencies, 'db'>,
  workflowId: string,
  input: JourneyInput,
): Promise<void> {
  const { definition, context } = input;
  await temporal.workflow.start(WORKFLOW_OF_JOURNEY_TYPE[definition.steps.type], {
    taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
    requestEagerStart: temporal.connection instanceof NativeConnection,
    args: [input],
    typedSearchAttributes: [
      { key: JourneyName, value: definition.name },
      { key: NpsCategory, value: context.response.category },
      { key: NpsScore, value: context.response.score },
      { key: AccountId, value: String(context.account.id) },
      { key: AccountExternalId, value: context.account.externalId },
      { key: AccountName, value: context.account.name },
      ...(context.csm ? [{ key: CsmEmail, value: context.csm.email }] : []),
      ...(definition.steps.type === 'detractor_follow_up' ? [{ key: EscalationLevel, value: 0 }] : []),
    ],
    memo: { userEmail: context.user.email, accountName: context.account.name },
  });
}
