import { setTimeout as sleep } from 'node:timers/promises';
import { checkDrained } from '../harness/check-drained.ts';
import { expectedFirstSteps } from '../harness/expected-journeys.ts';
import { startFaultStack } from '../harness/fault-stack.ts';
import { recordProcessExits } from '../harness/record-outcomes.ts';
import type { Scenario } from '../harness/scenario.ts';

/** How long the worker runs between two kills, at least. */
const UP_MS = 2_000;
/** On a loaded machine a worker may do nothing in 2 s: it lives until it has done some work, up to this. */
const MAX_UP_MS = 10_000;

/**
 * Scenario 1: journeys (half detractors, half promoters) arrive while the worker is SIGKILLed
 * about every 2 s and started again; then a live worker drains. With a small workflow cache
 * (`cacheSize`), most workflow tasks also replay their history on a worker that never saw them.
 */
export function workerCrash({ journeys, kills, cacheSize }: { journeys: number; kills: number; cacheSize?: number }): Scenario {
  return {
    name: cacheSize === undefined ? 'worker-crash' : `worker-crash-cache-${cacheSize}`,
    summary: `SIGKILLs the worker ${kills} times, ${UP_MS / 1000} s after each start (later if it did no work yet), while ${journeys} journeys run${cacheSize === undefined ? '' : `, with a workflow cache of ${cacheSize}`}`,
    timeLimitSeconds: 600,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, {
        users: journeys,
        workerEnv: cacheSize === undefined ? {} : { TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: String(cacheSize) },
        signal,
      });
      try {
        const sender = stack.sender('worker-crash');
        // Odd users are detractors (scores 0 to 6), even ones promoters (9 or 10).
        const deliveries = stack.instance.users.map((user, i) => sender.create(user.email, i % 2 === 1 ? i % 7 : 9 + ((i / 2) % 2)));
        // Work a worker did in its life: response workflows it finished, emails that arrived.
        const work = () => (stack.worker.output().match(/response processed/g)?.length ?? 0) + stack.smtp.received.length;
        let killedMidWork = 0;
        const crashes = async () => {
          while ((context.figures.broke.worker_sigkill ?? 0) < kills) {
            const before = work();
            await sleep(UP_MS, undefined, { signal });
            for (const until = Date.now() + MAX_UP_MS - UP_MS; work() === before && Date.now() < until; ) await sleep(100, undefined, { signal });
            if (work() > before) killedMidWork += 1;
            await stack.worker.kill('SIGKILL');
            context.broke('worker_sigkill');
            await stack.worker.start({ signal });
          }
        };
        await Promise.all([
          sender.deliverAll(deliveries, { concurrency: 8, signal }).then(() => context.progress(`${deliveries.length} deliveries sent: ${JSON.stringify(sender.statusCounts())}`)),
          crashes(),
        ]);
        context.progress(`worker killed ${kills} times; a live worker drains`);
        context.figures.delivery_statuses = sender.statusCounts();
        context.figures.kills_after_work = killedMidWork;
        await checkDrained(context, stack, deliveries, expectedFirstSteps(stack.instance, deliveries), { seconds: 180 });
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}
