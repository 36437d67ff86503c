import type { Command } from 'commander';
import { getEnrollmentView } from '../../db/queries/enrollment-views.ts';
import { journeyStatusCounts } from '../../db/queries/journey-status-counts.ts';
import { getJourney, saveJourney, setJourneyEnabled } from '../../db/queries/journeys.ts';
import { validateJourneyDefinition } from '../../journeys/journey-definition.ts';
import { listTasks } from '../../db/queries/tasks.ts';
import { endedEnrollmentState, type LiveJourneyState, liveJourneyState } from '../../journeys/live-journey-state.ts';
import { type AppContext, openAppContext } from '../app-context.ts';
import { cliActor } from '../cli-actor.ts';
import { formatMinute, formatTable } from '../format-output.ts';
import { connectTemporal } from '../temporal-client.ts';
import { UsageError } from '../usage-error.ts';

export function registerJourneysCommand(program: Command): void {
  const journeys = program.command('journeys').description('Temporal journeys: promoter review requests, detractor follow-ups');

  journeys
    .command('status')
    .description('per journey: enabled, enrollments by status, escalated, open and overdue tasks; or one enrollment, with where its journey is now')
    .argument('[enrollment]', 'an enrollment id: its tasks and, while it runs, its live state from Temporal (when TEMPORAL_ADDRESS is set)')
    .option('--journey <name>', 'only this journey')
    .option('--json', 'print JSON')
    .action(async (enrollment: string | undefined, options: { journey?: string; json?: boolean }) => {
      if (enrollment !== undefined && options.journey !== undefined) throw new UsageError('give an enrollment id or --journey, not both');
      const enrollmentId = enrollment === undefined ? undefined : enrollmentIdOf(enrollment);
      const context = await openAppContext();
      try {
        if (enrollmentId === undefined) await printJourneyCounts(context, options);
        else await printEnrollment(context, enrollmentId, options);
      } finally {
        await context.db.close();
      }
    });

  for (const [command, enabled] of [['enable', true], ['disable', false]] as const) {
    journeys
      .command(command)
      .description(
        enabled
          ? 'enable a journey: responses from now on may enroll users (refused while it may not run, e.g. a review request on the placeholder review page)'
          : 'disable a journey: nobody new is enrolled; runs in flight go on',
      )
      .argument('<name>')
      .option('--by <name>', 'who makes the change', cliActor())
      .option('--note <text>', 'why, kept in the history')
      .action(async (name: string, options: { by: string; note?: string }) => {
        const context = await openAppContext();
        try {
          const journey = await setJourneyEnabled(context.db.kysely, name, enabled, { actor: options.by, note: options.note });
          console.log(`${journey.name}: ${journey.enabled ? 'enabled' : 'disabled'} (version ${journey.version})`);
        } finally {
          await context.db.close();
        }
      });
  }

  journeys
    .command('configure')
    .description("change a journey's settings; enrollments in flight keep the ones they started with")
    .argument('<name>')
    .option('--review-url <url>', "a review request's review page, e.g. https://www.g2.com/products/<your product>/reviews")
    .option('--by <name>', 'who makes the change', cliActor())
    .option('--note <text>', 'why, kept in the history')
    .action(async (name: string, options: { reviewUrl?: string; by: string; note?: string }) => {
      if (options.reviewUrl === undefined) throw new UsageError('give a setting to change, e.g. --review-url <url>');
      const context = await openAppContext();
      try {
        const { definition, version } = await getJourney(context.db.kysely, name);
        if (definition.steps.type !== 'review_request') throw new UsageError(`--review-url: "${name}" is a ${definition.steps.type} journey, which has no review page`);
        const validation = validateJourneyDefinition({ ...definition, steps: { ...definition.steps, reviewUrl: options.reviewUrl } });
        if (!validation.ok) throw new UsageError(validation.errors.map((error) => `--review-url: ${error.message}`).join('\n'));
        // Made from the version read: a change someone made meanwhile is not overwritten unseen.
        const journey = await saveJourney(context.db.kysely, validation.journey, { actor: options.by, note: options.note, expectedVersion: version });
        console.log(`${journey.name}: review page ${options.reviewUrl} (version ${journey.version}, ${journey.enabled ? 'enabled' : `disabled: \`npsloop journeys enable ${journey.name}\``})`);
      } finally {
        await context.db.close();
      }
    });
}

async function printJourneyCounts(context: AppContext, options: { journey?: string; json?: boolean }): Promise<void> {
  const db = context.db.kysely;
  // Names the journey when there is none by that name (JourneyNotFoundError).
  if (options.journey !== undefined) await getJourney(db, options.journey);
  const counts = await journeyStatusCounts(db, { now: new Date(), journeyName: options.journey });
  if (options.json) {
    console.log(JSON.stringify(counts, null, 2));
    return;
  }
  console.log(
    formatTable(
      counts.map((c) => ({
        journey: c.journeyName,
        enabled: c.enabled ? 'yes' : 'no',
        active: String(c.active),
        completed: String(c.completed),
        cancelled: String(c.cancelled),
        failed: String(c.failed),
        escalated: String(c.escalated),
        'open tasks': String(c.openTasks),
        overdue: String(c.overdueTasks),
      })),
    ),
  );
}

async function printEnrollment(context: AppContext, enrollmentId: number, options: { json?: boolean }): Promise<void> {
  const db = context.db.kysely;
  const enrollment = await getEnrollmentView(db, enrollmentId);
  if (!enrollment) throw new Error(`no enrollment with id ${enrollmentId}`);
  const { tasks } = await listTasks(db, { enrollmentId });
  const live = await liveStateFromTemporal(context, enrollment);
  if (options.json) {
    console.log(JSON.stringify({ ...enrollment, tasks, live }, null, 2));
    return;
  }
  const ended = enrollment.endedAt ? `, ended ${enrollment.endedAt.toISOString()}` : '';
  console.log(`enrollment ${enrollment.id}: ${enrollment.journeyName} v${enrollment.journeyVersion}, ${enrollment.status}${enrollment.outcome ? `: ${enrollment.outcome}` : ''}`);
  console.log(`user ${enrollment.user.email} at ${enrollment.account.name}; enrolled ${enrollment.enrolledAt.toISOString()}${ended}`);
  console.log(`workflow ${enrollment.workflowId} (find it in the Temporal UI by this id)`);
  console.log(live.state ? `now: ${JSON.stringify(live.state)}` : `now: unknown (${live.reason})`);
  if (tasks.length === 0) return;
  console.log(
    `\n${formatTable(
      tasks.map((t) => ({
        task: String(t.id),
        level: String(t.escalationLevel),
        assignee: t.assignee.email,
        status: t.status,
        due: formatMinute(t.dueAt),
        outcome: t.outcome ?? '',
      })),
    )}`,
  );
}

/** The live state needs Temporal; without it the command still shows what the database knows, and says why. */
async function liveStateFromTemporal(context: AppContext, enrollment: Parameters<typeof liveJourneyState>[1]): Promise<LiveJourneyState> {
  if (enrollment.status !== 'active') return endedEnrollmentState(enrollment.status);
  let temporal;
  try {
    temporal = await connectTemporal(context.config, 'the live state of a journey');
  } catch (error) {
    return { state: null, reason: error instanceof Error ? error.message : String(error) };
  }
  try {
    return await liveJourneyState(temporal.client, enrollment);
  } finally {
    await temporal.close();
  }
}

function enrollmentIdOf(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) throw new UsageError(`<enrollment>: expected an enrollment id (a whole number), not "${text}"`);
  return id;
}
