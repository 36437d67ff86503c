import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { type ReplayResult, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowsOnce } from '../helpers/temporal.ts';

/**
 * Replays recorded histories of the built-in journeys (and the response workflow) against the
 * workflow code as it is now: any non-determinism fails.
 *
 * The fixtures are test/fixtures/histories/<folder>/<scenario>--<workflowId>.json, one folder per
 * recording, written by `npm run record-histories` (test/workflows/record-histories.ts), which
 * only ever adds a folder. Every folder is replayed: the oldest are what workflows started by
 * earlier versions look like, and may still be running in production. A workflow change that
 * breaks one of them must be guarded with `patched()` (later `deprecatePatch()`) from
 * @temporalio/workflow, never fixed by deleting the old histories; then record a new folder.
 */
const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

// A missing or empty folder fails 'has recorded histories to replay' below.
const files = (existsSync(HISTORIES_DIR) ? readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' }) : [])
  .filter((file) => file.endsWith('.json'))
  .sort();

/** The workflow id is the part after `--` in the file name. */
const workflowIdOf = (file: string) => path.basename(file, '.json').split('--').at(-1)!;

describe('workflow replay', () => {
  const results = new Map<string, ReplayResult>();

  beforeAll(async () => {
    if (files.length === 0) return;
    const workflowBundle = await bundleWorkflowsOnce();
    const histories = files.map((file) => ({
      file,
      workflowId: workflowIdOf(file),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'))),
    }));
    // One replay worker for all; results come back in order, one per history.
    let index = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'npsloop-replay' }, histories)) {
      results.set(histories[index++]!.file, result);
    }
  }, 120_000);

  it('has recorded histories to replay', () => {
    expect(files.length, `no histories in ${HISTORIES_DIR}: run npm run record-histories`).toBeGreaterThan(0);
  });

  it.each(files)('replays %s deterministically', (file) => {
    const result = results.get(file);
    expect(result, `${file} was not replayed`).toBeDefined();
    expect(result!.workflowId).toBe(workflowIdOf(file));
    expect(result!.error, `${file}: ${result!.error?.message}`).toBeUndefined();
  });
});
