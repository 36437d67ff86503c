import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The review link was followed (sent by npsloop's redirect endpoint). */
export const reviewLinkClickedSignal = defineSignal('reviewLinkClicked');

/** The CSM (or whoever the task was escalated to) completed the follow-up task. */
export const taskCompletedSignal = defineSignal<[{ taskId: number; completedBy: string; outcome: string }]>('taskCompleted');

/** The user answered again, as a promoter: an open follow-up is no longer needed. */
export const userAnsweredAsPromoterSignal = defineSignal<[{ responseId: number }]>('userAnsweredAsPromoter');

export interface JourneyState {
  journey: string;
  step: string;
  /** The level the follow-up has been escalated to; 0 is the owning CSM. */
  escalationLevel?: number;
  openTaskId?: number | null;
  assignee?: string | null;
  reviewLinkClicked?: boolean;
  outcome?: string | null;
}

/** Where a journey is now: ops read it from the Temporal UI or the CLI. */
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');
