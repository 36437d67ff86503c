/**
 * Records the replay fixtures: runs every built-in journey path (and the response workflow that
 * enrolls it) on the time-skipping server, then writes each workflow's history as Temporal's
 * JSON history format to test/fixtures/histories/<scenario>--<workflowId>.json.
 *
 *   npm run record-histories
 *
 * Re-record only after an intentional workflow change that no running workflow will replay
 * (see test/workflows/replay.test.ts); the old fixtures are replaced.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { closeJourneyHarness, createJourneyHarness, JOURNEY_SCENARIOS, runScenario } from '../helpers/journey-scenarios.ts';

const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const harness = await createJourneyHarness();
  try {
    const recorded = [];
    for (const scenario of JOURNEY_SCENARIOS) recorded.push(...(await runScenario(harness, scenario)));

    await mkdir(HISTORIES_DIR, { recursive: true });
    for (const stale of (await readdir(HISTORIES_DIR)).filter((file) => file.endsWith('.json'))) await rm(path.join(HISTORIES_DIR, stale));
    for (const { scenario, workflowId, history } of recorded) {
      const file = path.join(HISTORIES_DIR, `${scenario}--${workflowId}.json`);
      const json = `${historyToJSON(history)}\n`;
      await writeFile(file, json);
      console.log(`${path.relative(process.cwd(), file)}  ${history.events?.length ?? 0} events, ${(json.length / 1024).toFixed(1)} KB`);
    }
  } finally {
    await closeJourneyHarness(harness);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
