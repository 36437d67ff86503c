import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { JourneyInput } from '../activities/start-journey.ts';
import { retriedActivities, retriedLocalActivities } from './activity-options.ts';
import {
  completeTaskUpdate,
  type JourneyState,
  journeyStateQuery,
  reassignTaskUpdate,
  type TaskAssignee,
  type TaskCompletion,
  type TaskReassignment,
  taskCompletedSignal,
  taskReassignedSignal,
  userAnsweredAsPromoterSignal,
} from '../journeys/journey-messages.ts';
import { endEnrollmentOnFailure } from './end-enrollment-on-failure.ts';
import { EMAIL_FIRST_ATTEMPT_HERE_PATCH, type JourneyEmail, sendJourneyEmailStep } from './journey-email-step.ts';
import { CsmEmail, EscalationLevel } from '../journeys/search-attributes.ts';
import { followUpValues } from '../journeys/journey-email-values.ts';
import { TASK_NOT_ACTIONABLE } from '../journeys/task-not-actionable.ts';

const activities = proxyActivities<Activities>(retriedActivities);
const localActivities = proxyLocalActivities<Activities>(retriedLocalActivities);

const HOUR_MS = 3_600_000;

/**
 * Marks runs that look again, after each step that waits on an activity, for a promoter answer
 * that arrived meanwhile: without it an answer that came in while the SLA's escalation closed the
 * task still gave the manager a task and an email. Runs recorded before it replay without.
 */
const ACTS_DURING_STEPS_PATCH = 'follow-up-acts-during-steps';

/**
 * Marks runs that create each task and ask for its escalation target as local activities, the
 * target before the email: a journey then reaches its first wait in 2 workflow tasks instead of 4.
 * Runs recorded before it replay their activity tasks, the target after the email.
 */
const LOCAL_TASK_STEPS_PATCH = 'follow-up-task-steps-as-local-activities';

/**
 * Marks runs that create each task and ask for its escalation target in one local activity, and
 * leave the first task's search attributes as the start set them: one activation and one
 * visibility update fewer per task. Runs recorded before it replay their two steps. The email's
 * retries stay an activity task (workflows/journey-email-step.ts): one may wait a minute on
 * another attempt's claim, which a local activity would spend holding the workflow task,
 * cancelled when a worker evicts the run.
 */
const ONE_TASK_STEP_PATCH = 'follow-up-task-opened-in-one-step';

/**
 * A detractor becomes a task for the CSM who owned the account when they answered, due within
 * the SLA, with an email. When nobody completes it in time it is escalated to the CSM's manager
 * (a new task and an email), and on up the chain to the configured depth; the last task then
 * waits for whoever acts. Completion at any level ends the journey with its outcome; so does a
 * later promoter answer from the user, which closes the open task with that as the reason.
 * An open task can be reassigned: the new assignee gets its email, the due time stays, and
 * escalation goes on from the new assignee's manager chain.
 *
 * People act through updates (`completeTask`, `reassignTask`), which this workflow accepts only
 * while the task they name is the open one and it is not escalating or closing it: what happens
 * to a task is decided here, in one order, and the caller learns at once whether its act took.
 */
export async function detractorFollowUpWorkflow(input: JourneyInput): Promise<JourneyState> {
  return endEnrollmentOnFailure(input.enrollmentId, () => followUp(input));
}

async function followUp({ enrollmentId, definition, context }: JourneyInput): Promise<JourneyState> {
  const steps = definition.steps;
  if (steps.type !== 'detractor_follow_up') throw ApplicationFailure.nonRetryable(`journey ${definition.name} is not a detractor follow-up`, 'JourneyMismatch');
  const { workflowId } = workflowInfo();
  const state: JourneyState = { journey: definition.name, step: 'creating task', escalationLevel: 0, openTaskId: null, assignee: null, outcome: null };
  setHandler(journeyStateQuery, () => state);
  const now = () => new Date(Date.now()).toISOString();

  /** The task people may act on: set once it exists, cleared the moment it is escalated or closed. */
  let actionableTaskId: number | null = null;
  /** Acts accepted and still being recorded: what happens next waits for them, since their callers were told yes. */
  let actsInFlight = 0;
  let completion: TaskCompletion | undefined;
  /** Set when the completion's update closed the task itself (a signalled one's sender had). */
  let completionRecorded = false;
  let reassigning = false;
  let promoterResponseId: number | undefined;
  // By task id, latest first. Signals of earlier versions may name a task as soon as it is in the
  // database, before this workflow has the activity's result; one about a task closed since is never read.
  const reassignedTo = new Map<number, TaskReassignment>();
  let reassignments = 0;

  const refuseUnlessActionable = (taskId: number) => {
    if (completion !== undefined) throw notActionable(`task ${taskId} is being completed already`);
    if (promoterResponseId !== undefined) throw notActionable(`task ${taskId} is being closed: the user answered as a promoter`);
    if (taskId !== actionableTaskId) {
      throw notActionable(
        taskId === state.openTaskId ? `task ${taskId} is being ${state.step === 'escalating' ? 'escalated' : 'closed'}` : `task ${taskId} is not the journey's open task`,
      );
    }
  };
  const inFlight = async <T>(record: () => Promise<T>): Promise<T> => {
    actsInFlight += 1;
    try {
      return await record();
    } finally {
      actsInFlight -= 1;
    }
  };

  setHandler(
    completeTaskUpdate,
    async (act) => {
      completion = act;
      await inFlight(() => activities.closeTask({ taskId: act.taskId, status: 'done', outcome: act.outcome, completedBy: act.completedBy, at: now() }));
      completionRecorded = true;
    },
    { validator: (act) => refuseUnlessActionable(act.taskId) },
  );
  setHandler(
    reassignTaskUpdate,
    async (act) => {
      reassigning = true;
      try {
        await inFlight(() => activities.reassignTask({ taskId: act.taskId, assigneeCsmId: act.assignee.id }));
        reassignedTo.set(act.taskId, act);
      } finally {
        reassigning = false;
      }
    },
    {
      validator: (act) => {
        refuseUnlessActionable(act.taskId);
        if (reassigning) throw notActionable(`task ${act.taskId} is being reassigned already`);
      },
    },
  );
  setHandler(taskCompletedSignal, (done) => {
    completion ??= done;
  });
  setHandler(taskReassignedSignal, (reassignment) => {
    reassignedTo.set(reassignment.taskId, reassignment);
  });
  setHandler(userAnsweredAsPromoterSignal, ({ responseId }) => {
    promoterResponseId ??= responseId;
  });

  const finish = async (status: 'completed' | 'cancelled', outcome: string): Promise<JourneyState> => {
    state.step = 'done';
    state.outcome = outcome;
    state.openTaskId = null;
    // Ending the enrollment also closes any task still open (completed at another level, say).
    await activities.endEnrollment({ enrollmentId, status, outcome, at: now() });
    // Callers of updates wait for their answer: the run ends once every handler has given it.
    await condition(allHandlersFinished);
    return state;
  };
  const promoterReason = () => `the user answered as a promoter (response ${promoterResponseId})`;
  const closeForPromoter = async (taskId: number): Promise<JourneyState> => {
    actionableTaskId = null;
    state.step = 'closing';
    await activities.closeTask({ taskId, status: 'cancelled', outcome: promoterReason(), at: now() });
    return finish('cancelled', promoterReason());
  };

  if (!context.csm) return finish('cancelled', 'no CSM owned the account when the response was given');
  let assignee: TaskAssignee = context.csm;
  /** Who let the SLA pass on the task before this one: named in the escalation email. */
  let escalatedFrom: TaskAssignee | null = null;
  const values = (level: number, dueAt: Date) => followUpValues(context, assignee, level, dueAt);
  const oneTaskStep = patched(ONE_TASK_STEP_PATCH);
  const localTaskSteps = oneTaskStep || patched(LOCAL_TASK_STEPS_PATCH);
  const emailing = { firstAttemptHere: patched(EMAIL_FIRST_ATTEMPT_HERE_PATCH) };
  const notify = (email: JourneyEmail) => notifyOrGoOn(email, emailing);
  // Short database steps: as local activities they run inside the workflow task that asks for them.
  const taskSteps = localTaskSteps ? localActivities : activities;
  /**
   * Sends the open task's email and asks who the task escalates to next (null at the end of the
   * chain). Under the patch the target comes first: it does not depend on the email, and asked
   * in the workflow task that created the task, the email's completion starts the wait at once.
   */
  const notifyAndAskNext = async (level: number, email: JourneyEmail) => {
    const nextInChain = () => (level < steps.escalationDepth ? taskSteps.escalationTarget({ csmId: assignee.id }) : Promise.resolve(null));
    if (!localTaskSteps) {
      await notify(email);
      return nextInChain();
    }
    const next = await nextInChain();
    await notify(email);
    return next;
  };

  for (let level = 0; ; level++) {
    const dueAt = new Date(Date.now() + steps.slaHours * HOUR_MS);
    const template = level === 0 ? steps.csmEmailTemplate : steps.escalationEmailTemplate;
    const taskInput = {
      idempotencyKey: `${workflowId}/${enrollmentId}/task-${level}`,
      enrollmentId,
      userId: context.user.id,
      accountId: context.account.id,
      responseId: context.response.id,
      assigneeCsmId: assignee.id,
      dueAt: dueAt.toISOString(),
      escalationLevel: level,
      workflowId,
      at: now(),
    };
    let task: Awaited<ReturnType<Activities['createFollowUpTask']>>['task'];
    let nextAsked: TaskAssignee | null = null;
    if (oneTaskStep) {
      const escalatesFromCsmId = level < steps.escalationDepth ? assignee.id : null;
      ({ task, next: nextAsked } = await localActivities.openFollowUpTask({ ...taskInput, escalatesFromCsmId }));
    } else ({ task } = await taskSteps.createFollowUpTask(taskInput));
    Object.assign(state, { step: 'waiting for the task', escalationLevel: level, openTaskId: task.id, assignee: assignee.email });
    // The journey's start set the first task's level and assignee.
    if (!oneTaskStep || level > 0) upsertSearchAttributes([{ key: EscalationLevel, value: level }, { key: CsmEmail, value: assignee.email }]);
    actionableTaskId = task.id;
    const actsDuringSteps = patched(ACTS_DURING_STEPS_PATCH);
    // The user answered as a promoter while the task was being created: nobody needs its email.
    if (actsDuringSteps && promoterResponseId !== undefined && completion === undefined) return closeForPromoter(task.id);
    const email = {
      idempotencyKey: `${workflowId}/${enrollmentId}/task-${level}-email`,
      to: assignee.email,
      template,
      values: values(level, dueAt),
      workflowId,
      about: escalatedFrom
        ? { kind: 'task' as const, taskId: task.id, reason: 'escalated' as const, notActedBy: escalatedFrom.name, waitedHours: steps.slaHours }
        : { kind: 'task' as const, taskId: task.id, reason: 'created' as const },
    };
    let next: TaskAssignee | null;
    if (oneTaskStep) {
      await notify(email);
      next = nextAsked;
    } else next = await notifyAndAskNext(level, email);
    const acted = () => completion !== undefined || promoterResponseId !== undefined;
    const reassigned = () => reassignedTo.has(task.id);
    // At the end of the chain the last task waits for whoever acts, without a deadline.
    if (next) await condition(() => acted() || reassigned(), `${steps.slaHours} hours`);
    else await condition(() => acted() || reassigned());

    for (;;) {
      await condition(() => actsInFlight === 0);
      if (acted() || !reassigned()) break;
      const reassignment = reassignedTo.get(task.id)!;
      assignee = reassignment.assignee;
      reassignedTo.delete(task.id);
      state.assignee = assignee.email;
      upsertSearchAttributes([{ key: CsmEmail, value: assignee.email }]);
      reassignments += 1;
      next = await notifyAndAskNext(level, {
        idempotencyKey: `${workflowId}/${enrollmentId}/task-${level}-reassignment-${reassignments}-email`,
        to: assignee.email,
        template,
        values: values(level, dueAt),
        workflowId,
        about: { kind: 'task', taskId: task.id, reason: 'reassigned', reassignedBy: reassignment.reassignedBy, why: reassignment.reason },
      });
      // The due time stays: the new assignee has what is left of it (nothing, once it has passed).
      const remainingMs = dueAt.getTime() - Date.now();
      if (!next) await condition(() => acted() || reassigned());
      else if (remainingMs > 0) await condition(() => acted() || reassigned(), remainingMs);
    }

    // Decided with no wait in between: acts accepted before this line were recorded above; from
    // here on the validators refuse acts on this task.
    actionableTaskId = null;
    if (completion) {
      state.step = 'closing';
      if (!completionRecorded) {
        await activities.closeTask({ taskId: completion.taskId, status: 'done', outcome: completion.outcome, completedBy: completion.completedBy, at: now() });
      }
      return finish('completed', `completed by ${completion.completedBy} at escalation level ${level}: ${completion.outcome}`);
    }
    if (promoterResponseId !== undefined) return closeForPromoter(task.id);
    // Only a deadline with someone to escalate to ends without an act.
    const manager = next!;
    state.step = 'escalating';
    const escalated = await activities.closeTask({ taskId: task.id, status: 'cancelled', outcome: `SLA passed: escalated to ${manager.email}`, at: now() });
    // Completed by an earlier version's API just as the SLA passed: it is done, and nobody needs the escalation.
    if (escalated.task.status === 'done') {
      return finish('completed', `completed by ${escalated.task.completedBy ?? 'someone'} at escalation level ${level}: ${escalated.task.outcome ?? ''}`);
    }
    // The user answered as a promoter while the task was being escalated: the manager is not needed.
    if (actsDuringSteps && promoterResponseId !== undefined) return finish('cancelled', promoterReason());
    escalatedFrom = assignee;
    assignee = manager;
  }
}

/**
 * A follow-up goes on when its email cannot be sent (an address that cannot receive mail, or SMTP
 * down for longer than the step retries): the task is there to be seen and escalates as usual, and
 * the email's row says why it was not delivered.
 */
async function notifyOrGoOn(input: JourneyEmail, emailing: { firstAttemptHere: boolean }): Promise<void> {
  try {
    await sendJourneyEmailStep(input, emailing);
  } catch (error) {
    if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
    log.warn('follow-up email not sent; the journey goes on', { idempotencyKey: input.idempotencyKey, to: input.to, error: error.cause?.message ?? error.message });
  }
}

function notActionable(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, TASK_NOT_ACTIONABLE);
}
