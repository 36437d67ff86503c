import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultStack } from '../harness/fault-stack.ts';
import { checkNothingHalfWritten } from '../harness/half-writes.ts';
import { recordProcessExits, recordStoredResponses } from '../harness/record-outcomes.ts';
import type { Scenario } from '../harness/scenario.ts';
import { checkStoredResponses } from '../harness/stored-responses.ts';
import type { Delivery } from '../harness/webhook-sender.ts';

const USERS = 60;
const KILLS = 6;
/** How long the API serves between two kills. */
const UP_MS = 1_500;
/** Deliveries in flight at once, each retried until answered 2xx, as a survey tool's queue. */
const LANES = 6;
/** Accepted deliveries sent again afterwards, as a tool that never saw the 2xx would. */
const REDELIVERIES = 30;

/**
 * Scenario 2: the API process is SIGKILLed while signed webhooks stream in (passives, so no
 * journey runs; no worker, so each stored response's workflow start stays recorded). Every
 * delivery answered 2xx must be stored, with its workflow start, once; a retried delivery
 * (same webhook-id) changes nothing and gets the first answer.
 */
export function apiCrash(): Scenario {
  return {
    name: 'api-crash',
    summary: `SIGKILLs the API ${KILLS} times, ${UP_MS / 1000} s after each start, while ${LANES} senders stream signed webhooks and retry`,
    timeLimitSeconds: 240,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, { users: USERS, runWorker: false, signal });
      try {
        const sender = stack.sender('api-crash');
        let streaming = true;
        const lane = async () => {
          while (streaming) {
            const n = sender.deliveries.length;
            const delivery = sender.create(stack.instance.users[n % USERS]!.email, 7 + (n % 2));
            await sender.deliver(delivery, { signal, retryDelayMs: 200 });
          }
        };
        const crashes = async () => {
          for (let kill = 0; kill < KILLS; kill++) {
            await sleep(UP_MS, undefined, { signal });
            await stack.api.kill('SIGKILL');
            context.broke('api_sigkill');
            await stack.api.start({ signal });
          }
          streaming = false;
        };
        await Promise.all([crashes(), ...Array.from({ length: LANES }, lane)]);
        const deliveries = sender.deliveries;
        context.figures.delivery_statuses = sender.statusCounts();
        context.progress(`${deliveries.length} deliveries, each answered 2xx in the end: ${JSON.stringify(sender.statusCounts())}`);

        // Redeliveries of accepted events: the first answer again, nothing stored twice.
        const redelivered = deliveries.filter((_, i) => i % Math.max(1, Math.floor(deliveries.length / REDELIVERIES)) === 0).slice(0, REDELIVERIES);
        for (const delivery of redelivered) await sender.attempt(delivery);
        const badReplays = redelivered.filter((delivery) => {
          const last = delivery.attempts.at(-1)!;
          return last.status !== 202 || !last.replayed;
        });
        if (badReplays.length > 0) context.problem(`${badReplays.length} redeliveries were not answered 202 as replays: ${badReplays.slice(0, 3).map((d) => JSON.stringify(d.attempts.at(-1))).join(', ')}`);

        const stored = await checkStoredResponses(stack.db, deliveries);
        recordStoredResponses(context, stored);
        await checkNothingHalfWritten(context, stack.db, deliveries, stored);
        context.figures.retried_deliveries = deliveries.filter((delivery) => delivery.attempts.length > 1).length;
        context.figures.answered_as_replay = deliveries.filter((delivery) => delivery.attempts.some((attempt) => attempt.replayed)).length;
        context.figures.redelivered = redelivered.length;
        context.figures.stored_before_answer_lost = deliveries.filter(storedBeforeItsAnswerWasLost).length;
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}

/** The API died after storing it but before answering: the retry was answered as a replay. */
function storedBeforeItsAnswerWasLost(delivery: Delivery): boolean {
  const firstAnswered = delivery.attempts.findIndex((attempt) => attempt.status !== null);
  return firstAnswered > 0 && delivery.attempts[firstAnswered]!.replayed;
}
