import { setTimeout as sleep } from 'node:timers/promises';
import { REFRESH_SCHEDULE_ID } from '../../../worker/schedules.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { checkDrained } from '../harness/check-drained.ts';
import { expectedFirstSteps } from '../harness/expected-journeys.ts';
import { type FaultStack, startFaultStack } from '../harness/fault-stack.ts';
import { checkNothingHalfWritten } from '../harness/half-writes.ts';
import { type PostgresStrikes, postgresStrikes } from '../harness/postgres-strikes.ts';
import { recordProcessExits } from '../harness/record-outcomes.ts';
import type { Scenario, ScenarioContext } from '../harness/scenario.ts';
import type { Delivery, WebhookSender } from '../harness/webhook-sender.ts';

const USERS = 60;
const LANES = 4;
const CSV_ROWS = 12_000;
/** ingest/import-history-csv.ts commits every 5,000 rows: a cut import leaves whole batches only. */
const CSV_BATCH = 5_000;

/**
 * Scenario 4: PostgreSQL under npsloop's feet. Its connections are terminated (idle, active and
 * idle in transaction) and the server is restarted, during webhook deliveries, a CSV history
 * import and the hourly recompute. A delivery not stored is answered 503 with Retry-After, never
 * 2xx; every 2xx is stored; an import cut short has whole batches only and completes when sent
 * again; the recompute completes; the API and the worker stay alive and serve afterwards.
 */
export function postgresOutage(): Scenario {
  return {
    name: 'postgres-outage',
    summary: 'terminates npsloop\'s PostgreSQL connections and restarts the server during webhooks, a CSV import and the hourly recompute',
    timeLimitSeconds: 480,
    async run(context) {
      const { signal } = context;
      const stack = await startFaultStack(context.suite, context.dir, { users: USERS, signal });
      try {
        const strikes = postgresStrikes(context, context.suite.postgres, stack.database);
        const sender = stack.sender('postgres-outage');

        await webhooksUnderStrikes(context, stack, strikes, sender);
        checkWebhookAnswers(context, sender.deliveries);
        context.figures.delivery_statuses = sender.statusCounts();
        const streamed = [...sender.deliveries];
        const drained = await checkDrained(context, stack, streamed, expectedFirstSteps(stack.instance, streamed), { seconds: 120 });
        await checkNothingHalfWritten(context, stack.db, streamed, drained.stored);

        await importUnderStrikes(context, stack, strikes);
        await recomputeUnderStrikes(context, stack, strikes);

        // Afterwards, with no restart by the suite, both processes serve: a delivery is taken and its workflow runs.
        const after = sender.create(stack.instance.users[0]!.email, 8);
        const status = await sender.attempt(after);
        if (status !== 202) context.problem(`after the faults, a delivery was answered ${status ?? 'nothing'} instead of 202`);
        await sender.deliver(after, { signal: AbortSignal.any([signal, AbortSignal.timeout(60_000)]) }).catch(() => {});
        await checkDrained(context, stack, [after], [], { seconds: 60 });
        recordProcessExits(context, stack);
      } finally {
        await stack.close();
      }
    },
  };
}

/** Signed deliveries stream in while connections are terminated and the server restarts. */
async function webhooksUnderStrikes(context: ScenarioContext, stack: FaultStack, strikes: PostgresStrikes, sender: WebhookSender): Promise<void> {
  const { signal } = context;
  let streaming = true;
  // Once the faults are over, a delivery still refused gets a minute more, as a sender's retries would.
  const lanes = new AbortController();
  const lane = async () => {
    while (streaming) {
      const n = sender.deliveries.length;
      // Each user's first response starts a journey or not (detractor, promoter, passive); later ones are passives.
      const score = n < USERS ? [2, 10, 8][n % 3]! : 7 + (n % 2);
      const delivery = sender.create(stack.instance.users[n % USERS]!.email, score);
      await sender.deliver(delivery, { signal: AbortSignal.any([signal, lanes.signal]), retryDelayMs: 300 }).catch((error: unknown) => {
        signal.throwIfAborted();
        context.problem(`delivery ${delivery.webhookId} still not accepted a minute after the faults: ${JSON.stringify(delivery.attempts.at(-1))} (${String(error)})`);
      });
    }
  };
  const faults = async () => {
    await sleep(1_000, undefined, { signal });
    for (let i = 0; i < 5; i++) {
      await strikes.terminateAll();
      await sleep(700, undefined, { signal });
    }
    await strikes.terminateIdleInTransaction({ seconds: 5 });
    await strikes.restart({ downMs: 5_000 });
    await sleep(2_000, undefined, { signal });
    streaming = false;
    setTimeout(() => lanes.abort(), 60_000).unref();
  };
  await Promise.all([faults(), ...Array.from({ length: LANES }, lane)]);
  context.progress(`webhooks: ${sender.deliveries.length} deliveries through the strikes: ${JSON.stringify(sender.statusCounts())}`);
}

/** Every answer is a 2xx, or a 503 with Retry-After; never another error, never no answer at all. */
function checkWebhookAnswers(context: ScenarioContext, deliveries: Delivery[]): void {
  const attempts = deliveries.flatMap((delivery) => delivery.attempts);
  const notRetryable = attempts.filter((a) => a.status !== null && (a.status < 200 || a.status >= 300) && !(a.status === 503 && a.retryAfter !== null));
  const unanswered = attempts.filter((a) => a.status === null);
  context.figures.answers_503_with_retry_after = attempts.filter((a) => a.status === 503 && a.retryAfter !== null).length;
  context.figures.answers_other_errors = notRetryable.length;
  context.figures.unanswered = unanswered.length;
  if (notRetryable.length > 0) {
    const statuses = [...new Set(notRetryable.map((a) => `${a.status}${a.retryAfter === null ? ' without Retry-After' : ''}`))];
    context.problem(`${notRetryable.length} webhook attempts were answered ${statuses.join(', ')} instead of 2xx or 503 with Retry-After`);
  }
  if (unanswered.length > 0) {
    context.problem(`${unanswered.length} webhook attempts got no answer at all (${[...new Set(unanswered.map((a) => a.error))].slice(0, 3).join('; ')})`);
  }
}

/** A CSV history import while every connection is terminated again and again: whole batches only, and a second send completes it. */
async function importUnderStrikes(context: ScenarioContext, stack: FaultStack, strikes: PostgresStrikes): Promise<void> {
  const users = stack.instance.users;
  const lines = ['responseId,email,score,respondedAt'];
  const now = Date.now();
  // History from 8 to 37 days ago: older than the week whose imported responses start journeys, so
  // this import tests whole batches under strikes, not a wave of thousands of journeys beside it.
  for (let i = 0; i < CSV_ROWS; i++) lines.push(`csv-${i},${users[i % users.length]!.email},${i % 11},${new Date(now - (8 + (i % 30)) * 86_400_000).toISOString()}`);
  const csv = `${lines.join('\n')}\n`;
  const send = async () => {
    try {
      const response = await fetch(`${stack.apiUrl}/imports/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.ingestToken}`, 'content-type': 'text/csv' },
        body: csv,
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(90_000)]),
      });
      await response.arrayBuffer();
      return { status: response.status as number | null, retryAfter: response.headers.get('retry-after') };
    } catch {
      return { status: null, retryAfter: null };
    }
  };
  const storedRows = async () =>
    Number((await stack.db.selectFrom('nps_responses').select((eb) => eb.fn.countAll<string>().as('n')).where('source', '=', 'csv').executeTakeFirstOrThrow()).n);

  // The same route without any fault first: a failure here is not the database's doing.
  const control = await fetch(`${stack.apiUrl}/imports/responses?source=control`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.ingestToken}`, 'content-type': 'text/csv' },
    body: `email,score,respondedAt\n${users[0]!.email},8,${new Date(now - 86_400_000).toISOString()}\n`,
    signal: AbortSignal.any([context.signal, AbortSignal.timeout(30_000)]),
  }).then(
    async (response) => `${response.status} ${(await response.text()).slice(0, 300)}`,
    (error: Error) => `no answer (${error.message})`,
  );
  context.figures.import_without_faults = control.slice(0, 3);
  if (!control.startsWith('200')) context.problem(`a one-row CSV import fails with no fault at all: ${control}`);

  const attempts: string[] = [];
  const first = send();
  const strikesDuring = await strikes.terminateWhile(first, { everyMs: 300 });
  let answer = await first;
  attempts.push(String(answer.status ?? 'no answer'));
  context.figures.import_strikes = strikesDuring;
  if (answer.status !== 200) {
    const stored = await storedRows();
    if (stored % CSV_BATCH !== 0 && stored !== CSV_ROWS) context.problem(`an import cut short left ${stored} rows: not whole batches of ${CSV_BATCH}`);
    if (!(answer.status === 503 && answer.retryAfter !== null)) context.problem(`an import cut short was answered ${answer.status ?? 'nothing'} instead of 503 with Retry-After`);
    context.figures.import_rows_after_cut = stored;
  }
  // Sent again as a careful operator would, for at most a minute and a half.
  for (const until = Date.now() + 90_000; answer.status !== 200 && Date.now() < until; ) {
    await sleep(2_000, undefined, { signal: context.signal });
    answer = await send();
    attempts.push(String(answer.status ?? 'no answer'));
  }
  context.figures.import_attempts = attempts;
  const stored = await storedRows();
  context.figures.import_rows_stored = stored;
  if (answer.status !== 200) {
    // Refused, not lost: the sender was never told the rows were taken.
    context.problem(`the CSV import never completed: ${attempts.join(', ')}; ${stored} of ${CSV_ROWS} rows stored`);
  } else if (stored !== CSV_ROWS) {
    context.figures.lost += Math.max(0, CSV_ROWS - stored);
    context.figures.duplicates += Math.max(0, stored - CSV_ROWS);
    context.problem(`${stored} CSV rows stored for ${CSV_ROWS} imported and answered 200`);
  }
  context.progress(`import: ${attempts.join(' then ')} under ${strikesDuring} strikes; ${stored} of ${CSV_ROWS} rows stored`);
}

/** The hourly recompute, triggered now, while connections are terminated and the server restarts: it completes. */
async function recomputeUnderStrikes(context: ScenarioContext, stack: FaultStack, strikes: PostgresStrikes): Promise<void> {
  const { signal } = context;
  const triggeredAt = new Date();
  await stack.temporalClient.schedule.getHandle(REFRESH_SCHEDULE_ID).trigger();
  for (let i = 0; i < 5; i++) {
    await strikes.terminateAll();
    await sleep(500, undefined, { signal });
  }
  await strikes.restart({ downMs: 3_000 });
  const completed = await waitFor(
    async () => {
      try {
        for await (const run of stack.temporalClient.workflow.list({ query: 'WorkflowType = "refreshDerivedStateWorkflow"' })) {
          if (run.status.name === 'COMPLETED' && run.startTime >= new Date(triggeredAt.getTime() - 1_000)) return run.workflowId;
        }
      } catch {
        // Asked again.
      }
      return undefined;
    },
    'the triggered recompute to complete',
    90,
    { signal, intervalMs: 1_000 },
  ).catch((error: Error) => {
    context.figures.lost += 1;
    context.problem(error.message);
    return undefined;
  });
  context.figures.recompute_completed = completed !== undefined;
  context.progress(`recompute: ${completed ?? 'not completed'}`);
}
