import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { endEnrollment } from '../../activities/end-enrollment.ts';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import type { ApiApp } from '../../api/api-app.ts';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/database.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { useJourneyHarness } from '../helpers/journey-harness-per-file.ts';
import { installJourneys } from '../helpers/journey-scenarios.ts';
import { withRunningFollowUp } from '../helpers/running-follow-up.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const HOUR_MS = 3_600_000;

describeEachBackend('enrollments API', (db) => {
  let app: ApiApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Ann's detractor, still in the journey with a task, and Ben's, whose journey has ended. */
  async function setUp(k: Kysely<Database>, temporal?: Client) {
    const now = Date.now();
    const ann = await seedEnrolledDetractor(k, { csmEmail: 'ann@cs.example', userEmail: 'bo@acme.example', accountName: 'Acme', respondedAt: new Date(now - 2 * HOUR_MS) });
    const ben = await seedEnrolledDetractor(k, { csmEmail: 'ben@cs.example', userEmail: 'cy@globex.example', accountName: 'Globex', respondedAt: new Date(now - HOUR_MS) });
    const annTask = await seedTask(k, ann);
    await endEnrollment(k, { enrollmentId: ben.enrollmentId, status: 'completed', outcome: 'completed by ben@cs.example at escalation level 0: called' });
    const tokens = await createRoleTokens(k, ann.csm.id);
    app = await createTestApi(k, temporal ? { temporal } : {});
    return { ann, ben, annTask, tokens, app };
  }

  it('lets admin and csm tokens in, and no one else', async () => {
    const { ann, tokens, app } = await setUp(db().kysely);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/enrollments' }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/enrollments/${ann.enrollmentId}` }, ['admin', 'csm']);
    expect((await app.inject({ method: 'GET', url: '/enrollments', headers: bearer(tokens.csm) })).statusCode).toBe(200);
  });

  it('lists every enrollment for an admin, latest first, with filters and paging', async () => {
    const { ann, ben, tokens, app } = await setUp(db().kysely);
    const list = async (query: string) => {
      const response = await app.inject({ method: 'GET', url: `/enrollments${query}`, headers: bearer(tokens.admin) });
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    const ids = (page: { enrollments: { id: number }[] }) => page.enrollments.map((e) => e.id);
    const all = await list('');
    expect(all).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(ids(all)).toEqual([ben.enrollmentId, ann.enrollmentId]);
    expect(all.enrollments[1]).toMatchObject({
      journeyName: 'detractor-follow-up',
      journeyVersion: 1,
      status: 'active',
      outcome: null,
      endedAt: null,
      workflowId: ann.workflowId,
      user: { id: ann.user.id, email: 'bo@acme.example' },
      account: { id: ann.accountId, name: 'Acme' },
      responseId: ann.responseId,
    });
    expect(ids(await list('?status=active'))).toEqual([ann.enrollmentId]);
    expect(ids(await list('?status=completed'))).toEqual([ben.enrollmentId]);
    expect(ids(await list('?user=BO@acme.example'))).toEqual([ann.enrollmentId]);
    expect(ids(await list(`?user=${ben.user.id}`))).toEqual([ben.enrollmentId]);
    expect(await list('?journey=promoter-review-request')).toMatchObject({ enrollments: [], total: 0 });
    const page = await list('?limit=1&offset=1');
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(ids(page)).toEqual([ann.enrollmentId]);
    const bad = await app.inject({ method: 'GET', url: '/enrollments?status=running', headers: bearer(tokens.admin) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues).toMatchObject([{ path: 'querystring.status' }]);
  });

  it("shows a csm token only enrollments of users on its CSM's accounts", async () => {
    const { ann, ben, tokens, app } = await setUp(db().kysely);
    const own = await app.inject({ method: 'GET', url: '/enrollments', headers: bearer(tokens.csm) });
    expect(own.json()).toMatchObject({ total: 1, enrollments: [{ id: ann.enrollmentId }] });
    const asked = await app.inject({ method: 'GET', url: '/enrollments?user=cy@globex.example', headers: bearer(tokens.csm) });
    expect(asked.json()).toMatchObject({ total: 0, enrollments: [] });
    expect((await app.inject({ method: 'GET', url: `/enrollments/${ben.enrollmentId}`, headers: bearer(tokens.csm) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/enrollments/${ben.enrollmentId}`, headers: bearer(tokens.admin) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/enrollments/999999', headers: bearer(tokens.admin) })).json().error).toMatchObject({ code: 'not_found' });
  });

  it('shows an ended enrollment with its outcome and without asking Temporal', async () => {
    const { ben, tokens, app } = await setUp(db().kysely);
    const response = await app.inject({ method: 'GET', url: `/enrollments/${ben.enrollmentId}`, headers: bearer(tokens.admin) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: ben.enrollmentId,
      status: 'completed',
      outcome: 'completed by ben@cs.example at escalation level 0: called',
      workflowId: ben.workflowId,
      tasks: [],
      live: { state: null, reason: 'the enrollment has ended (completed)' },
    });
    expect(response.json().endedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('still shows an active enrollment and its tasks when Temporal does not answer, saying why', async () => {
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' }) });
    const { ann, annTask, tokens, app } = await setUp(db().kysely, unreachable);
    const response = await app.inject({ method: 'GET', url: `/enrollments/${ann.enrollmentId}`, headers: bearer(tokens.csm) });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'active', tasks: [{ id: annTask.id, status: 'open', assignee: { email: 'ann@cs.example' } }], live: { state: null } });
    expect(body.live.reason).toMatch(/^Temporal did not answer/);
  }, 30_000);
});

const harness = useJourneyHarness();

describeEachBackend('enrollments API with a running journey', (database) => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let app: ApiApp;

  beforeAll(async () => {
    db = database();
    ({ env } = harness());
    app = await createTestApi(db.kysely, { temporal: env.client });
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(async () => {
    await installJourneys(db);
  });

  it("answers with the journey's live state from its workflow", async () => {
    await withRunningFollowUp(harness(), db, async ({ userId, taskId }) => {
      const admin = (await createApiToken(db.kysely, { name: 'admin', role: 'admin' })).token;
      const [enrollment] = (await app.inject({ method: 'GET', url: '/enrollments?journey=detractor-follow-up&status=active', headers: bearer(admin) })).json().enrollments;
      const response = await app.inject({ method: 'GET', url: `/enrollments/${enrollment.id}`, headers: bearer(admin) });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        workflowId: journeyWorkflowId('detractor-follow-up', userId),
        tasks: [{ id: taskId, status: 'open' }],
        live: { reason: null, state: { journey: 'detractor-follow-up', step: 'waiting for the task', escalationLevel: 0, openTaskId: taskId, assignee: 'ann@cs.example' } },
      });
      await env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', userId)).terminate('test over');
    });
  });
});
