import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The review link of an email was followed (sent by npsloop's redirect endpoint). It names the
 * enrollment whose email held the link: the workflow id is per user and journey, so an old email
 * clicked after the cooldown would otherwise reach the user's next enrollment. (Runs signalled
 * before it carried one took any click.)
 */
export const reviewLinkClickedSignal = defineSignal<[{ enrollmentId: number }?]>('reviewLinkClicked');

/** What a person does to a follow-up task, as the journey records it. */
export interface TaskCompletion {
  taskId: number;
  completedBy: string;
  outcome: string;
}

/**
 * The CSM (or whoever the task was escalated to) completed the follow-up task, whose row the
 * sender had already closed. Kept for runs signalled by earlier versions; the API now sends
 * `completeTaskUpdate`.
 */
export const taskCompletedSignal = defineSignal<[TaskCompletion]>('taskCompleted');

/**
 * A person completes the open follow-up task. Accepted only while that task is the open one and
 * the journey is not escalating or closing it, so the journey, not a race between the API and its
 * timer, decides what happened; the journey closes the task and the update returns once it has.
 * A refused one fails with a `TaskNotActionable` ApplicationFailure that says why.
 */
export const completeTaskUpdate = defineUpdate<void, [TaskCompletion]>('completeTask');

/** Someone to act on a follow-up task: a CSM, or a manager up the chain. */
export interface TaskAssignee {
  id: number;
  email: string;
  name: string;
}

export interface TaskReassignment {
  taskId: number;
  assignee: TaskAssignee;
  reassignedBy: string;
  reason: string | null;
}

/**
 * The open follow-up task was given to someone else, whose row the sender had already changed.
 * Kept for runs signalled by earlier versions; the API now sends `reassignTaskUpdate`.
 */
export const taskReassignedSignal = defineSignal<[TaskReassignment]>('taskReassigned');

/**
 * A person gives the open follow-up task to someone else: the journey records the new assignee,
 * returns, then emails them; escalation goes on from their manager chain and the due time stays.
 * Refused, like a completion, unless the task is the open one and is not being escalated or closed.
 */
export const reassignTaskUpdate = defineUpdate<void, [TaskReassignment]>('reassignTask');

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
