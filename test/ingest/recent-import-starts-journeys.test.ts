import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { journeyWindowStart } from '../../ingest/history-window.ts';
import { type HistoryImportOptions, importHistoryCsv } from '../../ingest/import-history-csv.ts';
import { relayResponseWorkflows } from '../../worker/response-workflow-relay.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { createTimeSkippingEnvironment } from '../helpers/temporal.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const DAY_MS = 86_400_000;

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnvironment();
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

describeEachBackend('an import of recent responses starts their journeys', (db, backend) => {
  const taskQueue = `recent-import-${backend}`;
  const now = new Date();
  const options = (overrides: Partial<HistoryImportOptions> = {}): HistoryImportOptions => ({
    now,
    timeZone: 'Europe/Berlin',
    since: new Date(now.getTime() - 6 * 31 * DAY_MS),
    counting: 'every_response',
    ...overrides,
  });
  /** Yesterday's answers and ones from three months ago, from the same users. */
  const waveAndHistory = [
    'responseId,email,score,respondedAt,comment',
    `yesterday-ann,ann@acme.example,2,${new Date(now.getTime() - DAY_MS).toISOString()},Too slow`,
    `yesterday-bo,bo@acme.example,10,${new Date(now.getTime() - DAY_MS).toISOString()},`,
    `old-ann,ann@acme.example,1,${new Date(now.getTime() - 91 * DAY_MS).toISOString()},Broken`,
    `old-bo,bo@acme.example,9,${new Date(now.getTime() - 92 * DAY_MS).toISOString()},`,
  ].join('\n');

  const startsOf = async () =>
    db()
      .kysely.selectFrom('response_workflow_starts as s')
      .innerJoin('nps_responses as r', 'r.id', 's.response_id')
      .select(['r.source_response_id', 's.started_at'])
      .orderBy('r.source_response_id')
      .execute();

  it("queues only yesterday's responses, in the import's batches; the relay starts their workflows, and a re-import starts nothing more", async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example', 'bo@acme.example'] });
    const progress: number[] = [];
    const first = await importHistoryCsv(k, Readable.from([waveAndHistory]), options({ batchSize: 1, onProgress: (p) => progress.push(p.workflowsQueued) }));
    expect(first).toMatchObject({ rows: 4, inserted: 4, workflowsQueued: 2 });
    // Each batch's progress counts the starts queued so far: one per recent row, none for the old ones.
    expect(progress.slice(0, 4)).toEqual([1, 2, 2, 2]);
    expect((await startsOf()).map((start) => start.source_response_id)).toEqual(['yesterday-ann', 'yesterday-bo']);

    expect(await relayResponseWorkflows(k, env.client, taskQueue)).toEqual({ claimed: 2, started: 2, failed: 0 });
    const ids = await k.selectFrom('nps_responses').select(['id', 'source_response_id']).orderBy('source_response_id').execute();
    for (const { id, source_response_id } of ids) {
      const handle = env.client.workflow.getHandle(responseWorkflowId(id));
      if (source_response_id.startsWith('old-')) {
        await expect(handle.describe(), source_response_id).rejects.toThrow(/not found/i);
      } else {
        expect((await handle.describe()).type).toBe('responseReceivedWorkflow');
        await handle.terminate('import test over');
      }
    }

    const again = await importHistoryCsv(k, Readable.from([waveAndHistory]), options());
    expect(again).toMatchObject({ rows: 4, inserted: 0, unchanged: 4, workflowsQueued: 0 });
    expect((await startsOf()).every((start) => start.started_at !== null)).toBe(true);
    expect(await relayResponseWorkflows(k, env.client, taskQueue)).toEqual({ claimed: 0, started: 0, failed: 0 });
  });

  it('queues nothing with the flag off, and counts the 7 days in the instance zone', async () => {
    const k = db().kysely;
    await seedAccount(k, { users: ['ann@acme.example', 'bo@acme.example'] });
    const result = await importHistoryCsv(k, Readable.from([waveAndHistory]), options({ startJourneys: false }));
    expect(result).toMatchObject({ inserted: 4, workflowsQueued: 0 });
    expect(await startsOf()).toEqual([]);

    // Just inside the window starts, just outside does not.
    const edge = journeyWindowStart(now, 'Europe/Berlin');
    const edges = [
      'responseId,email,score,respondedAt',
      `inside,ann@acme.example,3,${edge.toISOString()}`,
      `outside,bo@acme.example,3,${new Date(edge.getTime() - 1_000).toISOString()}`,
    ].join('\n');
    expect(await importHistoryCsv(k, Readable.from([edges]), options())).toMatchObject({ inserted: 2, workflowsQueued: 1 });
    expect((await startsOf()).map((start) => start.source_response_id)).toEqual(['inside']);
  });

  it('over HTTP: POST /imports/responses queues the recent ones and reports it; journeys=false queues none', async () => {
    const k = db().kysely;
    const { csm } = await seedAccount(k, { users: ['ann@acme.example', 'bo@acme.example'] });
    const tokens = await createRoleTokens(k, csm.id);
    const app = await createTestApi(k);
    try {
      const post = (query: string, payload: string) =>
        app.inject({ method: 'POST', url: `/imports/responses${query}`, headers: { ...bearer(tokens.ingest), 'content-type': 'text/csv' }, payload });
      const off = await post('?journeys=false', waveAndHistory);
      expect(off.statusCode, off.body).toBe(200);
      expect(off.json()).toMatchObject({ inserted: 4, workflowsQueued: 0 });
      expect(await startsOf()).toEqual([]);

      // The same rows with a changed score are changed responses: the recent one's workflow is queued.
      const changed = waveAndHistory.replace('yesterday-bo,bo@acme.example,10', 'yesterday-bo,bo@acme.example,6').replace('old-bo,bo@acme.example,9', 'old-bo,bo@acme.example,8');
      const on = await post('', changed);
      expect(on.statusCode, on.body).toBe(200);
      expect(on.json()).toMatchObject({ updated: 2, unchanged: 2, workflowsQueued: 1 });
      expect((await startsOf()).map((start) => start.source_response_id)).toEqual(['yesterday-bo']);

      const invalid = await post('?journeys=maybe', waveAndHistory);
      expect(invalid.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
