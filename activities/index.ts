import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { recordResponseChanges } from '../db/queries/derived-state-changes.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { ResponseNotFoundError, type ResponseEventRow, responseEvent } from '../db/queries/response-event.ts';
import { evaluateAccountHealth } from '../health/refresh-account-health.ts';
import type { Mailer } from '../mail/create-transport.ts';
import { endEnrollment, type EndEnrollmentInput } from './end-enrollment.ts';
import { createTriggerEvaluator, enabledJourneyTriggers } from '../rule-sql/evaluate-triggers.ts';
import {
  closeTask,
  type CloseTaskInput,
  createFollowUpTask,
  type CreateFollowUpTaskInput,
  escalationTarget,
  reassignTask,
  type ReassignTaskInput,
} from '../tasks/follow-up-tasks.ts';
import { heartbeatWhile } from './heartbeat-while.ts';
import { notifyPromoterAnswer } from './notify-promoter-answer.ts';
import { refreshEverything } from '../derived-state/refresh-after-change.ts';
import { type ReviewLinkSettings, reviewLinkUrl } from '../journeys/review-links.ts';
import { sendJourneyEmail, type SendJourneyEmailInput } from './send-journey-email.ts';
import { startJourney } from './start-journey.ts';
import { composeMonthlyDigest, composeNpsDropAlerts, digestPlan } from './report-emails.ts';
import { sendEmail, type SendEmailInput } from './send-email.ts';

export interface ActivityDependencies {
  db: Kysely<Database>;
  /** Read at each call: "this month" moves with the clock. */
  npsSettings: () => NpsSettingsAt;
  mailer: Mailer;
  /** Starts and signals journey workflows. */
  temporal: Client;
  taskQueue: string;
  reviewLinks: ReviewLinkSettings;
  /** Report cells with fewer responses are flagged (NPSLOOP_REPORT_MIN_RESPONSES). */
  reportMinimumResponses: number;
  /** The sender customers see (NPSLOOP_CUSTOMER_MAIL_FROM); unset, the instance's. */
  customerMailFrom?: string;
}

/** Every side effect a workflow needs, bound to its real dependencies. Each is idempotent. */
export function createActivities(deps: ActivityDependencies) {
  const { db, npsSettings, mailer, temporal, taskQueue, reviewLinks, reportMinimumResponses, customerMailFrom } = deps;
  const evaluateTriggers = createTriggerEvaluator(() => npsSettings().now);
  const reportSettings = () => ({ timeZone: npsSettings().timeZone, counting: npsSettings().counting, minimumResponses: reportMinimumResponses });
  return {
    /**
     * The response, and the enabled journeys whose trigger holds for it, from one read of it. A
     * trigger on the account's health sees the colour with this response counted: the drainer
     * may not have stored it yet.
     */
    async responseJourneys({ responseId }: { responseId: number }) {
      const event = await responseEvent(db, responseId);
      if (!event) throw new ResponseNotFoundError(responseId);
      const settings = npsSettings();
      const evaluation = await evaluateTriggers(db, event, await enabledJourneyTriggers(db), settings, {
        accountHealth: async (accountId) =>
          Object.fromEntries((await evaluateAccountHealth(db, [accountId], settings)).map((health) => [health.dimension, health.colour])),
      });
      return { ...responseSummary(event), journeys: evaluation.matches.map((match) => match.rule) };
    },

    /**
     * The step of response workflows started before the drainer refreshed derived state
     * (worker/derived-state-drainer.ts): it hands the response's change to the drainer.
     */
    async refreshForResponse({ responseId }: { responseId: number }) {
      const event = await responseEvent(db, responseId);
      if (!event) throw new ResponseNotFoundError(responseId);
      await recordResponseChanges(db, [responseId]);
      return responseSummary(event);
    },

    /** Every account's NPS snapshots and health, and every list: what time alone moves. */
    refreshEverything: (): Promise<{ accounts: number; lists: number }> =>
      heartbeatWhile(async () => {
        const { accounts, lists } = await refreshEverything(db, npsSettings());
        return { accounts, lists: lists.length };
      }),

    /** The enabled journeys whose trigger holds for the response. */
    async matchingJourneys({ responseId }: { responseId: number }): Promise<string[]> {
      const evaluation = await evaluateTriggers(db, responseId, await enabledJourneyTriggers(db), npsSettings());
      return evaluation.matches.map((match) => match.rule);
    },

    startJourney: (input: { journeyName: string; userId: number; responseId: number; now: string }) =>
      startJourney({ db, temporal, taskQueue }, input),
    notifyPromoterAnswer: (input: { userId: number; responseId: number }) => notifyPromoterAnswer({ db, temporal }, input),
    sendJourneyEmail: (input: SendJourneyEmailInput) =>
      heartbeatWhile(() => {
        const { timeZone, counting } = npsSettings();
        const settings = { publicBaseUrl: reviewLinks.publicBaseUrl, timeZone, counting, customer: { links: reviewLinks, from: customerMailFrom } };
        return sendJourneyEmail({ db, mailer, settings }, input);
      }),
    reviewLink: async ({ enrollmentId }: { enrollmentId: number }) => reviewLinkUrl(reviewLinks, enrollmentId),
    createFollowUpTask: (input: CreateFollowUpTaskInput) => createFollowUpTask(db, input),
    escalationTarget: ({ csmId }: { csmId: number }) => escalationTarget(db, csmId),
    closeTask: (input: CloseTaskInput) => closeTask(db, input),
    reassignTask: (input: ReassignTaskInput) => reassignTask(db, input),
    endEnrollment: (input: EndEnrollmentInput) => endEnrollment(db, input),

    sendEmail: (input: SendEmailInput) => heartbeatWhile(() => sendEmail({ db, mailer }, input)),
    digestPlan: (input: { at: string; anyDay: boolean }) => digestPlan(db, reportSettings(), input),
    composeMonthlyDigest: (input: { csmId: number; monthStart: string; at: string }) => composeMonthlyDigest(db, reportSettings(), input),
    composeNpsDropAlerts: (input: { at: string }) => heartbeatWhile(() => composeNpsDropAlerts(db, reportSettings(), input)),
  };
}

export type Activities = ReturnType<typeof createActivities>;

function responseSummary(event: ResponseEventRow) {
  return {
    userId: event.user_id,
    accountId: event.account_id,
    score: event.score,
    category: event.category,
    respondedAt: event.responded_at.toISOString(),
  };
}
