import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { journeyWorkflowId, startJourneyWorkflow } from '../../activities/start-journey.ts';
import { loadConfig } from '../../config/config.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { AccountId, CsmEmail, EscalationLevel, JourneyName, NpsCategory, NpsScore, npsloopSearchAttributes } from '../../journeys/search-attributes.ts';
import { startEmbeddedTemporal } from '../../worker/embedded-temporal-server.ts';
import { resolveTemporalExecutable } from '../../worker/temporal-binaries.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Two dev server starts on one SQLite file.
vi.setConfig({ testTimeout: 120_000 });

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'npsloop-embedded-temporal-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it("registers on an earlier version's Temporal state the search attributes added since, and the README's ops queries find journeys by them", async () => {
  const config = loadConfig({ NPSLOOP_DATA_DIR: dataDir, TEMPORAL_DEV_SERVER_PORT: '0', TEMPORAL_DEV_SERVER_UI_PORT: '0' });
  const { namespace } = config.temporal;
  // What `npm start` left in .data/temporal.sqlite before the account's external id and name.
  const earlier = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: await resolveTemporalExecutable('cli'),
      dbFilename: config.temporal.devServer.dbFile,
      namespace,
      searchAttributes: [NpsCategory, NpsScore, AccountId, CsmEmail, JourneyName, EscalationLevel],
    },
  });
  await earlier.teardown();

  const temporal = await startEmbeddedTemporal(config);
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const { IndexedValueType } = proto.temporal.api.enums.v1;
    expect(customAttributes).toEqual(
      Object.fromEntries(npsloopSearchAttributes.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    );

    // A follow-up started as the worker starts one (no worker runs it: the start sets its attributes).
    const workflowId = journeyWorkflowId(DETRACTOR_FOLLOW_UP.name, 7);
    const client = new Client({ connection, namespace });
    await startJourneyWorkflow({ temporal: client, taskQueue: 'nobody' }, workflowId, {
      enrollmentId: 1,
      definition: DETRACTOR_FOLLOW_UP,
      context: {
        user: { id: 7, email: 'bo@acme.example', name: 'Bo Buyer', firstName: 'Bo' },
        account: { id: 2, externalId: 'acme-001', name: "Acme O'Brien Ltd" },
        csm: { id: 1, email: 'ann@cs.example', name: 'Ann CSM' },
        response: { id: 3, score: 2, category: 'detractor', comment: null, respondedAt: new Date().toISOString() },
      },
    });
    const found = async (query: string) => {
      const ids: string[] = [];
      for await (const workflow of client.workflow.list({ query })) ids.push(workflow.workflowId);
      return ids;
    };
    // Visibility lags the start a little.
    await waitFor(async () => ((await found(`AccountExternalId = 'acme-001'`)).length > 0 ? true : undefined), 'the journey in visibility');
    // The queries README's "For ops in the Temporal UI" gives.
    expect(await found(`JourneyName = 'detractor-follow-up' AND ExecutionStatus = 'Running'`)).toEqual([workflowId]);
    expect(await found(`JourneyName = 'detractor-follow-up' AND ExecutionStatus = 'Running' AND EscalationLevel > 0`)).toEqual([]);
    expect(await found(`JourneyName = 'promoter-review-request' AND ExecutionStatus = 'Running'`)).toEqual([]);
    expect(await found(`AccountName = 'Acme O''Brien Ltd'`)).toEqual([workflowId]);
    expect(await found(`AccountName STARTS_WITH 'Acme'`)).toEqual([workflowId]);
    expect(await found(`JourneyName IS NOT NULL AND ExecutionStatus = 'Failed'`)).toEqual([]);
  } finally {
    await connection.close();
    await temporal.stop();
  }
});
