import { waitFor } from '../../helpers/wait-for.ts';
import { checkDrained } from '../harness/check-drained.ts';
import { startFaultStack } from '../harness/fault-stack.ts';
import type { ExpectedJourney } from '../harness/journey-checks.ts';
import { recordProcessExits } from '../harness/record-outcomes.ts';
import type { Scenario } from '../harness/scenario.ts';

/** 0.004 hours: 14.4 s per level, enough for the suite to complete a task within one on a loaded machine. */
const SLA_HOURS = 0.004;
/** Levels above the CSM: their lead, then the lead's director (the VP above is never reached). */
const ESCALATION_DEPTH = 2;
const LEFT_ALONE = 3;
const COMPLETED_MID_CHAIN = 3;

interface OpenTask {
  id: number;
  escalationLevel: number;
  user: { email: string };
}

/**
 * Scenario 6: the detractor follow-up with an SLA of seconds, on the dev server's real timers.
 * Left alone, a task climbs the three-level chain (CSM, lead, director) and the last one waits;
 * each manager gets their email once. A task completed at the lead's level ends the journey
 * there: no director task, no director email.
 */
export function escalation(): Scenario {
  return {
    name: 'escalation',
    summary: `escalates detractor tasks every ${SLA_HOURS * 3600} s up a three-level chain; completes ${COMPLETED_MID_CHAIN} of them at the second level`,
    timeLimitSeconds: 240,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, {
        users: LEFT_ALONE + COMPLETED_MID_CHAIN,
        detractorFollowUp: { slaHours: SLA_HOURS, escalationDepth: ESCALATION_DEPTH },
        signal,
      });
      try {
        const { instance } = stack;
        const sender = stack.sender('escalation');
        const deliveries = instance.users.map((user) => sender.create(user.email, 1));
        await sender.deliverAll(deliveries, { concurrency: 3, signal });

        // Completed as soon as the lead's task is there: through the API, as the lead would.
        const completing = instance.users.slice(LEFT_ALONE).map((user) => user.email);
        const completedAt = new Map<string, number>();
        await waitFor(
          async () => {
            const { tasks } = await stack.admin<{ tasks: OpenTask[] }>('GET', '/tasks?status=open&limit=500');
            for (const task of tasks) {
              if (task.escalationLevel !== 1 || !completing.includes(task.user.email) || completedAt.has(task.user.email)) continue;
              await stack.admin('POST', `/tasks/${task.id}/complete`, { outcome: 'called them back' });
              completedAt.set(task.user.email, task.id);
            }
            return completedAt.size === completing.length ? true : undefined;
          },
          "the leads' tasks, to complete them",
          120,
          { signal, intervalMs: 250 },
        ).catch((error: Error) => context.problem(error.message));

        const expected: ExpectedJourney[] = instance.users.map(({ email }) => {
          const [csm, lead, director] = instance.chainOf(instance.csmOf(email));
          if (completing.includes(email)) {
            return {
              userEmail: email,
              journey: 'detractor-follow-up',
              enrollment: 'completed',
              workflow: 'COMPLETED',
              tasks: [
                { level: 0, assignee: csm!, status: 'cancelled' },
                { level: 1, assignee: lead!, status: 'done' },
              ],
              emails: [
                { step: 'task-0-email', to: csm! },
                { step: 'task-1-email', to: lead! },
              ],
            };
          }
          return {
            userEmail: email,
            journey: 'detractor-follow-up',
            enrollment: 'active',
            workflow: 'RUNNING',
            tasks: [
              { level: 0, assignee: csm!, status: 'cancelled' },
              { level: 1, assignee: lead!, status: 'cancelled' },
              { level: 2, assignee: director!, status: 'open' },
            ],
            emails: [
              { step: 'task-0-email', to: csm! },
              { step: 'task-1-email', to: lead! },
              { step: 'task-2-email', to: director! },
            ],
          };
        });
        await checkDrained(context, stack, deliveries, expected, { seconds: 120 });
        const aboveTheChain = stack.smtp.received.filter((email) => email.to.includes('vp@cs.example'));
        if (aboveTheChain.length > 0) context.problem(`${aboveTheChain.length} emails went above the escalation depth, to the VP`);
        context.figures.escalation_emails = stack.smtp.received.filter((email) => /^Escalated:/.test(email.subject)).length;
        context.figures.completed_mid_chain = completedAt.size;
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}
