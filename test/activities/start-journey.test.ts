import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startJourney } from '../../activities/start-journey.ts';
import type { Db } from '../../db/connect.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { aResponse } from '../fixtures/instance.ts';
import { installJourneys, seed } from '../helpers/journey-scenarios.ts';
import { createTimeSkippingEnvironment } from '../helpers/temporal.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

// What the journey's workflow starts with is under test, not the enrollment's SQL
// (test/activities/enroll-user.test.ts runs that on both backends): PGlite alone, no worker.
let env: TestWorkflowEnvironment;
let db: Db;
let dropDatabase: () => Promise<void>;

beforeAll(async () => {
  const [environment, database] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase('pglite')]);
  env = environment;
  ({ db, drop: dropDatabase } = database);
}, 120_000);
afterAll(async () => {
  await env?.teardown();
  await dropDatabase?.();
});

it("starts a journey with the account's internal id, external id and name, the CSM and the response as search attributes", async () => {
  await installJourneys(db);
  const { userId, accountId } = await seed(db);
  const now = new Date();
  const stored = await storeBatch(db.kysely, 'generic', [{ ok: true, response: aResponse({ email: 'bo@acme.example', score: 2, respondedAt: new Date(now.getTime() - 60_000) }), payload: {} }], now);

  // No worker polls this queue: the workflow's first task waits, and the start is all there is.
  const started = await startJourney(
    { db: db.kysely, temporal: env.client, taskQueue: `nobody-${randomUUID()}` },
    { journeyName: DETRACTOR_FOLLOW_UP.name, userId, responseId: stored.changed[0]!.id, now: now.toISOString() },
  );
  expect(started.status).toBe('started');
  const journey = env.client.workflow.getHandle(started.workflowId);
  try {
    const description = await journey.describe();
    const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value]));
    expect(attributes).toEqual({
      JourneyName: 'detractor-follow-up',
      NpsCategory: 'detractor',
      NpsScore: 2,
      AccountId: String(accountId),
      AccountExternalId: 'acme',
      AccountName: 'Acme',
      CsmEmail: 'ann@cs.example',
      EscalationLevel: 0,
    });
    expect(description.memo).toEqual({ userEmail: 'bo@acme.example', accountName: 'Acme' });
  } finally {
    await journey.terminate('test over');
  }
});
