import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { recordResponseChanges } from '../db/queries/derived-state-changes.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { ResponseNotFoundError, type ResponseEventRow, responseEvent, responseEventWithContext } from '../db/queries/response-event.ts';
import { evaluateAccountHealth } from '../health/refresh-account-health.ts';
import type { Mailer } from '../mail/create-transport.ts';
import { endEnrollment, type EndEnrollmentInput } from './end-enrollment.ts';
import { createTriggerEvaluator, enabledJourneyTriggers, journeyTrigger } from '../rule-sql/evaluate-triggers.ts';
import { listJourneys } from '../db/queries/journeys.ts';
import {
  closeTask,
  type CloseTaskInput,
  createFollowUpTask,
  type CreateFollowUpTaskInput,
  escalationTarget,
  openFollowUpTask,
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
  /**
   * The response (with the context a journey enrolls it with), and the enabled journeys whose
   * trigger holds for it, from one read of each. A trigger on the account's health sees the
   * colour with this response counted: the drainer may not have stored it yet.
   */
  const matchResponse = async (responseId: number) => {
    const [read, journeys] = await Promise.all([responseEventWithContext(db, responseId), listJourneys(db, { enabledOnly: true, limit: 1_000 })]);
    if (!read) throw new ResponseNotFoundError(responseId);
    const { event, context } = read;
    const settings = npsSettings();
    const evaluation = await evaluateTriggers(db, event, journeys.map(journeyTrigger), settings, {
      accountHealth: async (accountId) =>
        Object.fromEntries((await evaluateAccountHealth(db, [accountId], settings)).map((health) => [health.dimension, health.colour])),
    });
    const matched = evaluation.matches.map((match) => journeys.find((journey) => journey.id === match.ruleId)!);
    return { event, context, matched };
  };
  return {
    /** The response, and the names of the journeys whose trigger holds for it (matchResponse). */
    async responseJourneys({ responseId }: { responseId: number }) {
      const { event, matched } = await matchResponse(responseId);
      return { ...responseSummary(event), journeys: matched.map((journey) => journey.name) };
    },

    /**
     * All a response asks for, in one step: the promoter's answer told to their open follow-ups,
     * the enabled journeys whose trigger holds evaluated (matchResponse), and the user enrolled
     * in each, as of `now` (the workflow's time). Every part is idempotent, so a retry redoes it
     * safely.
     */
    async actOnResponse({ responseId, now }: { responseId: number; now: string }): Promise<ResponseActions> {
      const { event, context, matched } = await matchResponse(responseId);
      if (event.category === 'promoter') await notifyPromoterAnswer({ db, temporal }, { userId: event.user_id, responseId });
      const journeys: ResponseActions['journeys'] = [];
      for (const journey of matched) {
        const started = await startJourney({ db, temporal, taskQueue }, { journeyName: journey.name, userId: event.user_id, responseId, now }, { journey, response: context });
        journeys.push(started.status === 'started' ? { journey: journey.name, status: 'started' } : { journey: journey.name, status: 'skipped', reason: started.reason });
      }
      return { journeys };
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
    /** A follow-up task created, and who it escalates to when asked (`escalatesFromCsmId`), in one step. */
    openFollowUpTask: ({ escalatesFromCsmId, ...input }: CreateFollowUpTaskInput & { escalatesFromCsmId: number | null }) =>
      openFollowUpTask(db, input, escalatesFromCsmId),
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

/** What a response's workflow did: each matching journey started, or skipped and why. */
export interface ResponseActions {
  journeys: { journey: string; status: 'started' | 'skipped'; reason?: string }[];
}

function responseSummary(event: ResponseEventRow) {
  return {
    userId: event.user_id,
    accountId: event.account_id,
    score: event.score,
    category: event.category,
    respondedAt: event.responded_at.toISOString(),
  };
}
