import { condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { JourneyInput } from '../activities/start-journey.ts';
import { retriedActivities } from './activity-options.ts';
import {
  type JourneyState,
  journeyStateQuery,
  taskCompletedSignal,
  taskReassignedSignal,
  type TaskAssignee,
  userAnsweredAsPromoterSignal,
} from './journey-messages.ts';
import { CsmEmail, EscalationLevel } from './search-attributes.ts';

const activities = proxyActivities<Activities>(retriedActivities);

const HOUR_MS = 3_600_000;

/**
 * A detractor becomes a task for the CSM who owned the account when they answered, due within
 * the SLA, with an email. When nobody completes it in time it is escalated to the CSM's manager
 * (a new task and an email), and on up the chain to the configured depth; the last task then
 * waits for whoever acts. Completion at any level ends the journey with its outcome; so does a
 * later promoter answer from the user, which closes the open task with that as the reason.
 * An open task can be reassigned: the new assignee gets its email, the due time stays, and
 * escalation goes on from the new assignee's manager chain.
 */
export async function detractorFollowUpWorkflow({ enrollmentId, definition, context }: JourneyInput): Promise<JourneyState> {
  const steps = definition.steps;
  if (steps.type !== 'detractor_follow_up') throw new Error(`journey ${definition.name} is not a detractor follow-up`);
  const { workflowId } = workflowInfo();
  const state: JourneyState = { journey: definition.name, step: 'creating task', escalationLevel: 0, openTaskId: null, assignee: null, outcome: null };
  let completion: { taskId: number; completedBy: string; outcome: string } | undefined;
  let promoterResponseId: number | undefined;
  setHandler(journeyStateQuery, () => state);
  setHandler(taskCompletedSignal, (done) => {
    completion ??= done;
  });
  setHandler(userAnsweredAsPromoterSignal, ({ responseId }) => {
    promoterResponseId ??= responseId;
  });
  // By task id, latest first: the API may signal as soon as a task is in the database, before
  // this workflow has the activity's result; a signal about a task closed since is never read.
  const reassignedTo = new Map<number, TaskAssignee>();
  let reassignments = 0;
  setHandler(taskReassignedSignal, ({ taskId, assignee }) => {
    reassignedTo.set(taskId, assignee);
  });

  const finish = async (status: 'completed' | 'cancelled', outcome: string): Promise<JourneyState> => {
    state.step = 'done';
    state.outcome = outcome;
    state.openTaskId = null;
    // Ending the enrollment also closes any task still open (completed at another level, say).
    await activities.endEnrollment({ enrollmentId, status, outcome, at: new Date(Date.now()).toISOString() });
    return state;
  };

  if (!context.csm) return finish('cancelled', 'no CSM owned the account when the response was given');
  let assignee: TaskAssignee = context.csm;
  const values = (level: number, dueAt: Date) => ({
    assigneeName: assignee.name,
    csmName: context.csm?.name ?? '',
    userName: context.user.name ?? context.user.email,
    userEmail: context.user.email,
    accountName: context.account.name,
    score: context.response.score,
    comment: context.response.comment ?? '(none)',
    dueAt: dueAt.toISOString(),
    escalationLevel: level,
  });

  for (let level = 0; ; level++) {
    const dueAt = new Date(Date.now() + steps.slaHours * HOUR_MS);
    const template = level === 0 ? steps.csmEmailTemplate : steps.escalationEmailTemplate;
    const { task } = await activities.createFollowUpTask({
      idempotencyKey: `${workflowId}/${enrollmentId}/task-${level}`,
      enrollmentId,
      userId: context.user.id,
      accountId: context.account.id,
      responseId: context.response.id,
      assigneeCsmId: assignee.id,
      dueAt: dueAt.toISOString(),
      escalationLevel: level,
      workflowId,
      at: new Date(Date.now()).toISOString(),
    });
    Object.assign(state, { step: 'waiting for the task', escalationLevel: level, openTaskId: task.id, assignee: assignee.email });
    upsertSearchAttributes([{ key: EscalationLevel, value: level }, { key: CsmEmail, value: assignee.email }]);
    await activities.sendJourneyEmail({
      idempotencyKey: `${workflowId}/${enrollmentId}/task-${level}-email`,
      to: assignee.email,
      template,
      values: values(level, dueAt),
      workflowId,
    });

    let next = level < steps.escalationDepth ? await activities.escalationTarget({ csmId: assignee.id }) : null;
    const acted = () => completion !== undefined || promoterResponseId !== undefined;
    const actedOrReassigned = () => acted() || reassignedTo.has(task.id);
    // At the end of the chain the last task waits for whoever acts, without a deadline.
    if (next) await condition(actedOrReassigned, `${steps.slaHours} hours`);
    else await condition(actedOrReassigned);

    while (!acted() && reassignedTo.has(task.id)) {
      assignee = reassignedTo.get(task.id)!;
      reassignedTo.delete(task.id);
      reassignments += 1;
      state.assignee = assignee.email;
      upsertSearchAttributes([{ key: CsmEmail, value: assignee.email }]);
      await activities.sendJourneyEmail({
        idempotencyKey: `${workflowId}/${enrollmentId}/task-${level}-reassignment-${reassignments}-email`,
        to: assignee.email,
        template,
        values: values(level, dueAt),
        workflowId,
      });
      next = level < steps.escalationDepth ? await activities.escalationTarget({ csmId: assignee.id }) : null;
      // The due time stays: the new assignee has what is left of it (nothing, once it has passed).
      const remainingMs = dueAt.getTime() - Date.now();
      if (!next) await condition(actedOrReassigned);
      else if (remainingMs > 0) await condition(actedOrReassigned, remainingMs);
    }

    if (completion) {
      await activities.closeTask({ taskId: completion.taskId, status: 'done', outcome: completion.outcome, completedBy: completion.completedBy, at: new Date(Date.now()).toISOString() });
      return finish('completed', `completed by ${completion.completedBy} at escalation level ${level}: ${completion.outcome}`);
    }
    if (promoterResponseId !== undefined) {
      const reason = `the user answered as a promoter (response ${promoterResponseId})`;
      await activities.closeTask({ taskId: task.id, status: 'cancelled', outcome: reason, at: new Date(Date.now()).toISOString() });
      return finish('cancelled', reason);
    }
    // Only a deadline with someone to escalate to ends without an act.
    const manager = next!;
    state.step = 'escalating';
    const escalated = await activities.closeTask({ taskId: task.id, status: 'cancelled', outcome: `SLA passed: escalated to ${manager.email}`, at: new Date(Date.now()).toISOString() });
    // Completed (through the API) just as the SLA passed: it is done, and nobody needs the escalation.
    if (escalated.task.status === 'done') {
      return finish('completed', `completed by ${escalated.task.completedBy ?? 'someone'} at escalation level ${level}: ${escalated.task.outcome ?? ''}`);
    }
    assignee = manager;
  }
}
