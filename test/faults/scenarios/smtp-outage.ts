import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { waitFor } from '../../helpers/wait-for.ts';
import { checkDrained, phaseFigures } from '../harness/check-drained.ts';
import { expectedFirstSteps } from '../harness/expected-journeys.ts';
import { type FaultStack, startFaultStack } from '../harness/fault-stack.ts';
import { recordProcessExits } from '../harness/record-outcomes.ts';
import type { Scenario, ScenarioContext } from '../harness/scenario.ts';

/** Journeys per phase: half detractors (an email to their CSM), half promoters (a review request). */
const JOURNEYS = 10;
const OUTAGE_MS = 60_000;
const ACK_DELAY_MS = 15_000;

interface Phase {
  name: string;
  /** How long the emails get to arrive once SMTP is healthy. */
  drainSeconds: number;
  /** Breaks SMTP around the deliveries; returns once it is healthy again. */
  breakSmtp(stack: FaultStack, context: ScenarioContext, deliver: () => Promise<void>): Promise<void>;
}

const emailTotals = async (stack: FaultStack) => {
  const row = await stack.db
    .selectFrom('emails')
    .select([sql<string>`count(*)`.as('rows'), sql<string>`coalesce(sum(attempts), 0)`.as('attempts')])
    .executeTakeFirstOrThrow();
  return { rows: Number(row.rows), attempts: Number(row.attempts) };
};

const stoppedForAMinute: Phase = {
  name: 'stopped_60s',
  // The backoff's next attempt after a minute comes at about 63 s.
  drainSeconds: 120,
  async breakSmtp(stack, context, deliver) {
    const stoppedAt = Date.now();
    const before = await emailTotals(stack);
    await stack.smtp.stop();
    context.broke('smtp_stopped');
    await deliver();
    // The outage must meet every email's first attempt, or it tests nothing.
    await waitFor(async () => ((await emailTotals(stack)).rows >= before.rows + JOURNEYS ? true : undefined), 'every email to be attempted while SMTP is down', OUTAGE_MS / 1000, {
      signal: context.signal,
      intervalMs: 250,
    }).catch((error: Error) => context.problem(error.message));
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)), undefined, { signal: context.signal });
    await stack.smtp.start();
  },
};

const refusingWith4xx: Phase = {
  name: 'refused_4xx',
  drainSeconds: 60,
  async breakSmtp(stack, context, deliver) {
    // About two refusals per email: each one is retried with backoff.
    const refused = stack.smtp.faults.refused;
    stack.smtp.refuseNext(2 * JOURNEYS);
    await deliver();
    await waitFor(async () => (stack.smtp.faults.refused - refused >= 2 * JOURNEYS ? true : undefined), 'the 4xx refusals to be served', 60, {
      signal: context.signal,
      intervalMs: 250,
    }).catch((error: Error) => context.problem(error.message));
  },
};

const slowToAcknowledge: Phase = {
  name: 'slow_ack_15s',
  // One held acknowledgement is 15 s; what a correct sender needs, with room for a loaded machine.
  drainSeconds: 75,
  async breakSmtp(stack, context, deliver) {
    stack.smtp.delayDataAck(ACK_DELAY_MS);
    await deliver();
  },
};

/**
 * Scenario 3: journeys send their emails while SMTP is broken: stopped for a minute, refusing
 * with 4xx, or taking 15 s to acknowledge each message. Each email must arrive exactly once.
 */
function smtpScenario(name: string, summary: string, phases: Phase[], timeLimitSeconds: number): Scenario {
  return {
    name,
    summary,
    timeLimitSeconds,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, { users: JOURNEYS * phases.length, signal });
      try {
        const sender = stack.sender(name);
        const phaseLines: Record<string, unknown> = {};
        for (const [i, phase] of phases.entries()) {
          const started = Date.now();
          const before = await emailTotals(stack);
          const users = stack.instance.users.slice(i * JOURNEYS, (i + 1) * JOURNEYS);
          const deliveries = users.map((user, j) => sender.create(user.email, j % 2 === 0 ? 2 : 10));
          await phase.breakSmtp(stack, context, () => sender.deliverAll(deliveries, { concurrency: 5, signal }));
          context.progress(`${phase.name}: SMTP broken around ${deliveries.length} journeys; waiting for each email once`);
          const drained = await checkDrained(context, stack, deliveries, expectedFirstSteps(stack.instance, deliveries), { seconds: phase.drainSeconds });
          const after = await emailTotals(stack);
          phaseLines[phase.name] = { ...phaseFigures(drained, started), send_attempts: after.attempts - before.attempts };
          stack.smtp.delayDataAck(0);
        }
        context.figures.phases = phaseLines;
        context.figures.smtp_received = stack.smtp.received.length;
        context.figures.smtp_duplicates = stack.smtp.duplicates();
        if (stack.smtp.faults.refused > 0) context.figures.broke.smtp_4xx = stack.smtp.faults.refused;
        if (stack.smtp.faults.delayed > 0) context.figures.broke.smtp_held_ack = stack.smtp.faults.delayed;
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}

export function smtpOutage(): Scenario {
  return smtpScenario(
    'smtp-outage',
    `stops SMTP for ${OUTAGE_MS / 1000} s while ${JOURNEYS} journeys send, then refuses ${2 * JOURNEYS} transactions with 451 while ${JOURNEYS} more send`,
    [stoppedForAMinute, refusingWith4xx],
    300,
  );
}

export function smtpSlowAck(): Scenario {
  return smtpScenario('smtp-slow-ack', `holds each message's acknowledgement ${ACK_DELAY_MS / 1000} s while ${JOURNEYS} journeys send`, [slowToAcknowledge], 240);
}
