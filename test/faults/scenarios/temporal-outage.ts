import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../helpers/wait-for.ts';
import { checkDrained } from '../harness/check-drained.ts';
import { expectedFirstSteps } from '../harness/expected-journeys.ts';
import { startFaultStack } from '../harness/fault-stack.ts';
import { recordProcessExits } from '../harness/record-outcomes.ts';
import type { Scenario } from '../harness/scenario.ts';

/** Journeys running when the dev server is killed and started again at once. */
const JOURNEYS_AT_RESTART = 40;
/** Responses arriving while it is down. */
const RESPONSES_WHILE_DOWN = 20;
const DOWN_MS = 60_000;

/**
 * Scenario 5: the Temporal dev server is SIGKILLed mid-journeys and started again on the same
 * port with the same state file; later it is stopped for a minute while responses arrive. Those
 * are accepted and stored at once, their workflow starts wait in the relay, and every workflow
 * runs once Temporal is back.
 */
export function temporalOutage(): Scenario {
  return {
    name: 'temporal-outage',
    summary: `SIGKILLs Temporal mid-journeys and starts it again, then stops it for ${DOWN_MS / 1000} s while ${RESPONSES_WHILE_DOWN} responses arrive`,
    timeLimitSeconds: 360,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, { users: JOURNEYS_AT_RESTART + RESPONSES_WHILE_DOWN, signal });
      try {
        const sender = stack.sender('temporal-outage');
        const users = stack.instance.users;
        const score = (i: number) => (i % 2 === 0 ? 3 : 9);

        // A restart while journeys are in flight: killed once some of them have done something.
        const early = users.slice(0, JOURNEYS_AT_RESTART).map((user, i) => sender.create(user.email, score(i)));
        const restart = async () => {
          await waitFor(async () => (stack.smtp.received.length >= 3 ? true : undefined), 'the first journeys to send email', 120, { signal, intervalMs: 100 });
          await stack.temporal.stop('SIGKILL');
          context.broke('temporal_sigkill');
          await stack.temporal.start({ signal });
        };
        await Promise.all([sender.deliverAll(early, { concurrency: 4, signal }), restart()]);
        context.progress(`Temporal killed and started again mid-journeys; ${early.length} deliveries: ${JSON.stringify(sender.statusCounts())}`);

        // Down for a minute: responses still come in and are stored; their starts wait.
        const stoppedAt = Date.now();
        await stack.temporal.stop('SIGTERM');
        context.broke('temporal_stopped');
        const late = users.slice(JOURNEYS_AT_RESTART).map((user, i) => sender.create(user.email, score(i)));
        for (const delivery of late) await sender.attempt(delivery);
        const refused = late.filter((delivery) => !delivery.accepted);
        context.figures.accepted_while_temporal_down = late.length - refused.length;
        if (refused.length > 0) context.problem(`${refused.length} of ${late.length} deliveries were not accepted while Temporal was down: ${JSON.stringify(refused[0]!.attempts)}`);
        const pending = await stack.db.selectFrom('response_workflow_starts').select((eb) => eb.fn.countAll<string>().as('n')).where('started_at', 'is', null).executeTakeFirstOrThrow();
        context.figures.starts_waiting_while_down = Number(pending.n);
        if (Number(pending.n) < late.length - refused.length) context.problem(`only ${pending.n} workflow starts wait in the relay for ${late.length - refused.length} responses stored while Temporal is down`);
        await sleep(Math.max(0, DOWN_MS - (Date.now() - stoppedAt)), undefined, { signal });
        await stack.temporal.start({ signal });
        context.progress(`Temporal back after ${Math.round((Date.now() - stoppedAt) / 1000)} s; waiting for every workflow`);
        // Deliveries the outage refused are sent again, as a survey tool would.
        await sender.deliverAll(refused, { concurrency: 4, signal });

        context.figures.delivery_statuses = sender.statusCounts();
        const deliveries = [...early, ...late];
        await checkDrained(context, stack, deliveries, expectedFirstSteps(stack.instance, deliveries), { seconds: 180 });
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}
