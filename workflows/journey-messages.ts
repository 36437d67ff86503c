import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The review link was followed (sent by npsloop's redirect endpoint). */
export const reviewLinkClickedSignal = defineSignal('reviewLinkClicked');

/** The CSM (or whoever the task was escalated to) completed the follow-up task. */
export const taskCompletedSignal = defineSignal<[{ taskId: number; completedBy: string; outcome: string }]>('taskCompleted');

/** Someone to act on a follow-up task: a CSM, or a manager up the chain. */
export interface TaskAssignee {
  id: number;
  email: string;
  name: string;
}

/**
 * The open follow-up task was given to someone else (through the API or the CLI, which have
 * already changed its assignee): they get the task's email, and escalation goes on from their
 * manager chain. The due time stays. The reason travels in the signal, so the history keeps it.
 */
export const taskReassignedSignal =
  defineSignal<[{ taskId: number; assignee: TaskAssignee; reassignedBy: string; reason: string | null }]>('taskReassigned');

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
