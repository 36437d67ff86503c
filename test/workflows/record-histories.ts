/**
 * Records replay fixtures: runs every built-in journey path (and the response workflow that
 * enrolls it) on the time-skipping server, then writes each workflow's history as Temporal's JSON
 * history format to test/fixtures/histories/<folder>/<scenario>--<workflowId>.json.
 *
 *   npm run record-histories                 # into a new folder named after today, e.g. 2026-12-04
 *   npm run record-histories -- <folder>     # into a new folder of that name
 *
 * Append-only: earlier folders are never touched, and an existing folder is refused, because the
 * histories recorded by earlier versions are what proves that workflows running in production
 * still replay (test/workflows/replay.test.ts replays every folder). Record after a workflow
 * change, and commit the new folder beside the old ones.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { closeJourneyHarness, createJourneyHarness, JOURNEY_SCENARIOS, runScenario } from '../helpers/journey-scenarios.ts';

const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

async function main(): Promise<void> {
  const folderName = process.argv[2] ?? new Date().toISOString().slice(0, 10);
  if (!/^[\w.-]+$/.test(folderName)) throw new Error(`"${folderName}" is not a folder name: letters, digits, dots, dashes and underscores only`);
  const folder = path.join(HISTORIES_DIR, folderName);
  if (existsSync(folder)) throw new Error(`${path.relative(process.cwd(), folder)} exists: recorded histories are never replaced; name a new folder`);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const harness = await createJourneyHarness();
  try {
    const recorded = [];
    for (const scenario of JOURNEY_SCENARIOS) recorded.push(...(await runScenario(harness, scenario)));

    await mkdir(folder, { recursive: true });
    for (const { scenario, workflowId, history } of recorded) {
      const file = path.join(folder, `${scenario}--${workflowId}.json`);
      const json = `${historyToJSON(history)}\n`;
      await writeFile(file, json, { flag: 'wx' });
      console.log(`${path.relative(process.cwd(), file)}  ${history.events?.length ?? 0} events, ${(json.length / 1024).toFixed(1)} KB`);
    }
  } finally {
    await closeJourneyHarness(harness);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
