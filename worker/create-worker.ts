import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { type Activities, createActivities } from '../activities/index.ts';
import type { Config } from '../config/config.ts';
import { npsSettingsOf } from '../config/nps-settings.ts';
import type { Database } from '../db/database.ts';
import type { Mailer } from '../mail/create-transport.ts';
import { startDerivedStateDrainer } from './derived-state-drainer.ts';
import { startResponseWorkflowRelay } from './response-workflow-relay.ts';

export interface NpsloopWorkerDependencies {
  config: Config;
  db: Kysely<Database>;
  connection: NativeConnection;
  temporal: Client;
  mailer: Mailer;
  linkSecret: string;
  /**
   * A pre-built bundle (tests bundle once per suite); otherwise the one configured in
   * TEMPORAL_WORKER_WORKFLOW_BUNDLE, or else the worker bundles workflows/ as it starts.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** What the worker runs in place of its activities: benchmarks time them and add their own beside them. */
  wrapActivities?: (activities: Activities) => WorkerOptions['activities'];
}

/**
 * The worker, with every activity bound to its real dependencies, the relay that starts the
 * workflow of each stored response, and the drainer that refreshes the figures and lists each
 * response changed. `run()` resolves once `shutdown()` has drained all three.
 */
export async function createNpsloopWorker(deps: NpsloopWorkerDependencies) {
  const { config, db, connection, temporal, mailer, linkSecret } = deps;
  const taskQueue = config.temporal.taskQueue;
  const { workflowBundlePath } = config.temporal;
  const workflowBundle = deps.workflowBundle ?? (workflowBundlePath === undefined ? undefined : { codePath: workflowBundlePath });
  const activities = createActivities({
    db,
    npsSettings: () => npsSettingsOf(config),
    mailer,
    // Over the worker's own connection, a journey's start can be eager: its first workflow
    // task comes back with the start's answer, to this worker, without a trip through the queue.
    temporal: new Client({ connection, namespace: config.temporal.namespace }),
    taskQueue,
    reviewLinks: { publicBaseUrl: config.publicUrl, secret: linkSecret },
    reportMinimumResponses: config.reportMinimumResponses,
    customerMailFrom: config.mail.customerFrom,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    ...(config.temporal.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: config.temporal.maxCachedWorkflows }),
    ...(workflowBundle
      ? { workflowBundle }
      : { workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)) }),
    activities: deps.wrapActivities ? deps.wrapActivities(activities) : activities,
  });
  let stopAsked = false;
  return {
    worker,
    async run(): Promise<void> {
      const relay = startResponseWorkflowRelay(db, temporal, taskQueue);
      const drainer = startDerivedStateDrainer(db, () => npsSettingsOf(config));
      try {
        const running = worker.run();
        // Asked to stop while starting up (SIGTERM before run): a worker never run would keep
        // its connection from closing, so it runs and drains at once.
        if (stopAsked && worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      } finally {
        await Promise.all([relay.stop(), drainer.stop()]);
      }
    },
    /**
     * Stops polling for new tasks, lets running activities finish, then stops the relay and the
     * drainer. Safe to call again (a second signal) and before run(): the SDK's own shutdown
     * throws in both cases.
     */
    shutdown(): void {
      stopAsked = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
  };
}
