import { checkDrained } from '../harness/check-drained.ts';
import { expectedFirstSteps } from '../harness/expected-journeys.ts';
import { startFaultStack } from '../harness/fault-stack.ts';
import { recordProcessExits } from '../harness/record-outcomes.ts';
import type { Scenario } from '../harness/scenario.ts';

/**
 * A wave shared by two worker processes on the same task queue: journeys (half detractors, half
 * promoters) arrive as fast as a few senders deliver them while both workers run. Nothing breaks
 * on purpose; what is checked is that two workers taking turns on the same workflows and
 * activities do no step twice (each task and email once) and lose none, and that both did work.
 */
export function twoWorkers({ journeys }: { journeys: number }): Scenario {
  return {
    name: 'two-workers',
    summary: `${journeys} journeys arrive at once while two worker processes share the task queue`,
    timeLimitSeconds: 600,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, { users: journeys, extraWorkers: 1, signal });
      try {
        const sender = stack.sender('two-workers');
        const deliveries = stack.instance.users.map((user, i) => sender.create(user.email, i % 2 === 1 ? i % 7 : 9 + ((i / 2) % 2)));
        await sender.deliverAll(deliveries, { concurrency: 16, signal });
        context.progress(`${deliveries.length} deliveries sent: ${JSON.stringify(sender.statusCounts())}`);
        context.figures.delivery_statuses = sender.statusCounts();
        await checkDrained(context, stack, deliveries, expectedFirstSteps(stack.instance, deliveries), { seconds: 180 });
        // Each worker logs every response workflow it finished: both must have had a share.
        const shares = [stack.worker, ...stack.extraWorkers].map((worker) => worker.output().match(/response processed/g)?.length ?? 0);
        context.figures.responses_processed_per_worker = shares;
        if (shares.some((share) => share === 0)) context.problem(`a worker processed no response workflow (${shares.join(' and ')}): the wave was not shared`);
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}
