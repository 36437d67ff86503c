import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../activities/start-journey.ts';
import type { ApiApp } from '../../api/api-app.ts';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/database.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { userJourneyEvents } from '../../db/queries/journey-events.ts';
import type { detractorFollowUpWorkflow } from '../../workflows/index.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { useJourneyHarness } from '../helpers/journey-harness-per-file.ts';
import { installJourneys } from '../helpers/journey-scenarios.ts';
import { withRunningFollowUp } from '../helpers/running-follow-up.ts';
import type { TestSmtpServer } from '../helpers/smtp-server.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { waitFor } from '../helpers/wait-for.ts';

const HOUR_MS = 3_600_000;

/** A client whose every call fails to connect, as when the Temporal cluster is down. */
const unreachableTemporal = () => new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' }) });

describeEachBackend('tasks API', (db) => {
  let app: ApiApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Two CSMs, each with a detractor and an open task; the API's Temporal cannot be reached. */
  async function setUp(k: Kysely<Database>) {
    const now = Date.now();
    const ann = await seedEnrolledDetractor(k, { csmEmail: 'ann@cs.example', userEmail: 'bo@acme.example', accountName: 'Acme', respondedAt: new Date(now - 60 * HOUR_MS) });
    const ben = await seedEnrolledDetractor(k, { csmEmail: 'ben@cs.example', userEmail: 'cy@globex.example', accountName: 'Globex', respondedAt: new Date(now - HOUR_MS) });
    const annTask = await seedTask(k, ann); // due 12 hours ago: overdue
    const benTask = await seedTask(k, ben);
    const tokens = await createRoleTokens(k, ann.csm.id);
    app = await createTestApi(k, { temporal: unreachableTemporal() });
    return { ann, ben, annTask, benTask, tokens, app };
  }

  it('lets admin and csm tokens in, and no one else', async () => {
    const { annTask, tokens, app } = await setUp(db().kysely);
    const json = { 'content-type': 'application/json' };
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/tasks' }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/tasks/${annTask.id}` }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: `/tasks/${annTask.id}/complete`, headers: json, payload: { outcome: 'x' } }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: { assignee: 'ben@cs.example' } }, ['admin', 'csm']);
    expect((await app.inject({ method: 'GET', url: '/tasks', headers: bearer(tokens.admin) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/tasks/${annTask.id}`, headers: bearer(tokens.csm) })).statusCode).toBe(200);
  });

  it('lists every task for an admin, with filters, paging and the total', async () => {
    const { ann, annTask, benTask, tokens, app } = await setUp(db().kysely);
    const list = async (query: string) => {
      const response = await app.inject({ method: 'GET', url: `/tasks${query}`, headers: bearer(tokens.admin) });
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    const all = await list('');
    expect(all).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(all.tasks.map((t: { id: number }) => t.id)).toEqual([annTask.id, benTask.id]);
    expect(all.tasks[0]).toMatchObject({
      status: 'open',
      overdue: true,
      escalationLevel: 0,
      assignee: { id: ann.csm.id, email: 'ann@cs.example' },
      user: { email: 'bo@acme.example' },
      account: { name: 'Acme' },
      response: { score: 3, comment: 'too slow' },
      journeyName: 'detractor-follow-up',
      workflowId: ann.workflowId,
      completedAt: null,
    });
    expect((await list('?assignee=ben@cs.example')).tasks.map((t: { id: number }) => t.id)).toEqual([benTask.id]);
    expect((await list(`?assignee=${ann.csm.id}`)).tasks.map((t: { id: number }) => t.id)).toEqual([annTask.id]);
    expect((await list('?overdue=true')).tasks.map((t: { id: number }) => t.id)).toEqual([annTask.id]);
    expect((await list(`?dueAfter=${encodeURIComponent(new Date().toISOString())}`)).tasks.map((t: { id: number }) => t.id)).toEqual([benTask.id]);
    expect((await list(`?dueBefore=${encodeURIComponent(new Date().toISOString())}`)).tasks.map((t: { id: number }) => t.id)).toEqual([annTask.id]);
    expect(await list('?status=done')).toMatchObject({ tasks: [], total: 0 });
    const page = await list('?limit=1&offset=1');
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.tasks.map((t: { id: number }) => t.id)).toEqual([benTask.id]);
  });

  it('refuses bad filters, naming the parameter', async () => {
    const { tokens, app } = await setUp(db().kysely);
    const badStatus = await app.inject({ method: 'GET', url: '/tasks?status=closed', headers: bearer(tokens.admin) });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'querystring.status' }] });
    const badDate = await app.inject({ method: 'GET', url: '/tasks?dueBefore=yesterday', headers: bearer(tokens.admin) });
    expect(badDate.json().error.issues).toMatchObject([{ path: 'querystring.dueBefore' }]);
    const unknown = await app.inject({ method: 'GET', url: '/tasks?assignee=nobody@cs.example', headers: bearer(tokens.admin) });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'unknown_assignee', issues: [{ path: 'querystring.assignee' }] });
  });

  it("shows a csm token only its own CSM's tasks, and refuses another CSM's", async () => {
    const { ann, annTask, benTask, tokens, app } = await setUp(db().kysely);
    const own = await app.inject({ method: 'GET', url: '/tasks', headers: bearer(tokens.csm) });
    expect(own.json()).toMatchObject({ total: 1, tasks: [{ id: annTask.id }] });
    const byEmail = await app.inject({ method: 'GET', url: '/tasks?assignee=ANN@cs.example', headers: bearer(tokens.csm) });
    expect(byEmail.json()).toMatchObject({ total: 1, tasks: [{ id: annTask.id, assignee: { id: ann.csm.id } }] });
    const others = await app.inject({ method: 'GET', url: '/tasks?assignee=ben@cs.example', headers: bearer(tokens.csm) });
    expect(others.statusCode).toBe(403);
    expect(others.json().error.code).toBe('forbidden');
    expect((await app.inject({ method: 'GET', url: `/tasks/${benTask.id}`, headers: bearer(tokens.csm) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/tasks/${benTask.id}`, headers: bearer(tokens.admin) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/tasks/999999', headers: bearer(tokens.admin) })).json().error).toMatchObject({ code: 'not_found', message: 'task 999999 was not found' });
  });

  it("does not let a csm complete or reassign another CSM's task", async () => {
    const k = db().kysely;
    const { ben, benTask, tokens, app } = await setUp(k);
    const json = { 'content-type': 'application/json', ...bearer(tokens.csm) };
    const complete = await app.inject({ method: 'POST', url: `/tasks/${benTask.id}/complete`, headers: json, payload: { outcome: 'not mine' } });
    expect(complete.statusCode).toBe(404);
    const reassign = await app.inject({ method: 'POST', url: `/tasks/${benTask.id}/reassign`, headers: json, payload: { assignee: 'ann@cs.example' } });
    expect(reassign.statusCode).toBe(404);
    expect(await k.selectFrom('tasks').select(['status', 'assignee_csm_id']).where('id', '=', benTask.id).executeTakeFirst()).toEqual({ status: 'open', assignee_csm_id: ben.csm.id });
  });

  it('leaves the task open and answers 503 when Temporal cannot be reached', async () => {
    const k = db().kysely;
    const { ann, ben, annTask, tokens, app } = await setUp(k);
    const json = { 'content-type': 'application/json', ...bearer(tokens.csm) };
    const complete = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/complete`, headers: json, payload: { outcome: 'called' } });
    expect(complete.statusCode).toBe(503);
    expect(complete.json().error.code).toBe('temporal_unavailable');
    expect(complete.json().error.message).toMatch(/not changed/);
    const reassign = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: { assignee: ben.csm.id } });
    expect(reassign.statusCode).toBe(503);
    expect(await k.selectFrom('tasks').select(['status', 'assignee_csm_id', 'outcome', 'completed_at']).where('id', '=', annTask.id).executeTakeFirst()).toEqual({
      status: 'open',
      assignee_csm_id: ann.csm.id,
      outcome: null,
      completed_at: null,
    });
  }, 60_000);

  it('refuses to complete or reassign a closed task with 409, and checks the bodies', async () => {
    const k = db().kysely;
    const { annTask, tokens, app } = await setUp(k);
    await k.updateTable('tasks').set({ status: 'done', outcome: 'handled', completed_by: 'lead@cs.example', completed_at: new Date('2026-11-24T12:00:00Z') }).where('id', '=', annTask.id).execute();
    const json = { 'content-type': 'application/json', ...bearer(tokens.admin) };
    const again = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/complete`, headers: json, payload: { outcome: 'called' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'task_closed', message: `task ${annTask.id} is already done by lead@cs.example at 2026-11-24T12:00:00.000Z: handled` });
    const reassign = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: { assignee: 'ben@cs.example' } });
    expect(reassign.json().error.code).toBe('task_closed');
    const empty = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/complete`, headers: json, payload: { outcome: '  ' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.issues).toMatchObject([{ path: 'body.outcome' }]);
    const missing = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: {} });
    expect(missing.json().error.issues).toMatchObject([{ path: 'body.assignee' }]);
  });

  it('names an unknown or ambiguous assignee, and reassigning to the current one changes nothing', async () => {
    const k = db().kysely;
    const { ann, annTask, tokens, app } = await setUp(k);
    const json = { 'content-type': 'application/json', ...bearer(tokens.csm) };
    const unknown = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: { assignee: 'nobody@cs.example' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'unknown_assignee', issues: [{ path: 'body.assignee', message: 'no CSM with id or email "nobody@cs.example"' }] });
    await k.insertInto('csms').values([{ external_id: 'twin-1', email: 'twin@cs.example', name: 'Twin 1' }, { external_id: 'twin-2', email: 'twin@cs.example', name: 'Twin 2' }]).execute();
    const ambiguous = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: { assignee: 'twin@cs.example' } });
    expect(ambiguous.json().error.message).toBe('2 CSMs have the email "twin@cs.example": name one by its id');
    // No signal is needed, so the unreachable Temporal does not matter.
    const same = await app.inject({ method: 'POST', url: `/tasks/${annTask.id}/reassign`, headers: json, payload: { assignee: 'ann@cs.example' } });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ changed: false, task: { id: annTask.id, assignee: { id: ann.csm.id } } });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { app } = await setUp(db().kysely);
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/tasks', '/tasks/{id}', '/tasks/{id}/complete', '/tasks/{id}/reassign']));
    expect(document.paths['/tasks/{id}/complete'].post.responses['409']).toBeDefined();
  });
});

/**
 * Completing and reassigning through the API with a real journey: the time-skipping server, a
 * worker with the real activities, a real SMTP server on loopback, on each database backend.
 */
const harness = useJourneyHarness();

describeEachBackend('tasks API with running journeys', (database) => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let smtp: TestSmtpServer;
  let app: ApiApp;

  beforeAll(async () => {
    db = database();
    ({ env, smtp } = harness());
    app = await createTestApi(db.kysely, { temporal: env.client });
  });

  afterAll(async () => {
    await app?.close();
  });

  afterEach(async () => {
    await env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', 1)).terminate('test over').catch(() => undefined);
  });

  beforeEach(async () => {
    smtp.received.length = 0;
    await installJourneys(db);
  });

  const mailTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));

  /** A detractor's follow-up running and waiting on Ann's task, and a token for Ann. */
  const detractorWaiting = (run: (context: { taskId: number; annToken: string; userId: number }) => Promise<void>) =>
    withRunningFollowUp(harness(), db, async ({ taskId, userId, csmId }) => {
      const annToken = (await createApiToken(db.kysely, { name: "Ann's token", role: 'csm', csmId })).token;
      await run({ taskId, annToken, userId });
    });

  const post = (url: string, token: string, payload: object) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...bearer(token) }, payload });

  it("ends the journey with the outcome when the CSM completes the task, and puts it on the user's timeline", async () => {
    await detractorWaiting(async ({ taskId, annToken, userId }) => {
      const completed = await post(`/tasks/${taskId}/complete`, annToken, { outcome: 'called, fixed exports' });
      expect(completed.statusCode, completed.body).toBe(200);
      expect(completed.json()).toMatchObject({ journey: 'signalled', task: { id: taskId, status: 'done', completedBy: 'ann@cs.example', outcome: 'called, fixed exports' } });

      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      expect((await journey.result()).outcome).toBe('completed by ann@cs.example at escalation level 0: called, fixed exports');
      const events = await userJourneyEvents(db.kysely, userId);
      expect(events.map((e) => e.kind)).toEqual(['enrollment_started', 'task_created', 'task_completed', 'enrollment_ended']);
      expect(events.at(-2)).toMatchObject({ outcome: 'called, fixed exports', completed_by: 'ann@cs.example' });
      expect(events.at(-1)).toMatchObject({ status: 'completed', outcome: 'completed by ann@cs.example at escalation level 0: called, fixed exports' });

      const again = await post(`/tasks/${taskId}/complete`, annToken, { outcome: 'called twice' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('task_closed');
    });
  });

  it('closes the task of a journey that is no longer running, and says so', async () => {
    await detractorWaiting(async ({ taskId, annToken, userId }) => {
      await env.client.workflow.getHandle(journeyWorkflowId('detractor-follow-up', userId)).terminate('stopped by an operator');
      const completed = await post(`/tasks/${taskId}/complete`, annToken, { outcome: 'called anyway' });
      expect(completed.statusCode).toBe(200);
      expect(completed.json()).toMatchObject({ journey: 'not_running', task: { status: 'done', outcome: 'called anyway' } });
    });
  });

  it('reassigns the task: the new assignee is emailed and can complete it', async () => {
    const rae = await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other' }).returning('id').executeTakeFirstOrThrow();
    const raeToken = (await createApiToken(db.kysely, { name: "Rae's token", role: 'csm', csmId: rae.id })).token;
    await detractorWaiting(async ({ taskId, annToken, userId }) => {
      const reassigned = await post(`/tasks/${taskId}/reassign`, annToken, { assignee: 'rae@cs.example', reason: 'Rae owns exports' });
      expect(reassigned.statusCode, reassigned.body).toBe(200);
      expect(reassigned.json()).toMatchObject({ changed: true, task: { id: taskId, status: 'open', assignee: { id: rae.id, email: 'rae@cs.example' } } });
      await waitFor(async () => (mailTo('rae@cs.example').length === 1 ? true : undefined), "the new assignee's email");
      expect(mailTo('rae@cs.example')[0]!.raw).toContain('Hi Rae Other');

      // Ann no longer has it; Rae does.
      expect((await app.inject({ method: 'GET', url: `/tasks/${taskId}`, headers: bearer(annToken) })).statusCode).toBe(404);
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      expect(await journey.query('journeyState')).toMatchObject({ assignee: 'rae@cs.example', openTaskId: taskId, escalationLevel: 0 });
      expect((await post(`/tasks/${taskId}/complete`, raeToken, { outcome: 'sorted' })).statusCode).toBe(200);
      expect((await journey.result()).outcome).toBe('completed by rae@cs.example at escalation level 0: sorted');
    });
  });

  it('hands the open task to the new owner when a handover before the answer is synced late', async () => {
    const rae = await db.kysely.insertInto('csms').values({ external_id: 'rae', email: 'rae@cs.example', name: 'Rae Other' }).returning('id').executeTakeFirstOrThrow();
    const adminToken = (await createApiToken(db.kysely, { name: 'ops admin', role: 'admin' })).token;
    await detractorWaiting(async ({ taskId, userId }) => {
      // The test server's clock runs at or ahead of the real one: an hour ago is before the answer.
      const handover = new Date(Date.now() - HOUR_MS).toISOString();
      const synced = await post('/sync/accounts', adminToken, { records: [{ externalId: 'acme', name: 'Acme', csmExternalId: 'rae', csmEffectiveFrom: handover }] });
      expect(synced.statusCode, synced.body).toBe(200);
      expect(synced.json()).toMatchObject({ upserted: 1, ownerChanges: [{ csmId: rae.id, effectiveFrom: handover, responsesRecredited: 1 }], tasksReassigned: [taskId], tasksNotReassigned: [] });
      await waitFor(async () => (mailTo('rae@cs.example').length === 1 ? true : undefined), "the new owner's email");
      const journey = env.client.workflow.getHandle<typeof detractorFollowUpWorkflow>(journeyWorkflowId('detractor-follow-up', userId));
      expect(await journey.query('journeyState')).toMatchObject({ assignee: 'rae@cs.example', openTaskId: taskId, escalationLevel: 0 });
      expect(await db.kysely.selectFrom('nps_responses').select('csm_id').where('user_id', '=', userId).execute()).toEqual([{ csm_id: rae.id }]);
      expect(await db.kysely.selectFrom('account_owner_changes').select(['csm_id', 'recorded_by', 'recredited_responses']).where('csm_id', '=', rae.id).execute()).toEqual([
        { csm_id: rae.id, recorded_by: 'ops admin', recredited_responses: 1 },
      ]);
    });
  });
});
