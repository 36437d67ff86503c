import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole, testConfig } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Three detractors in the follow-up: one escalated to level 1, one completed, one just enrolled. */
async function setUp(k: Kysely<Database>, env: Record<string, string> = {}) {
  const escalated = await seedEnrolledDetractor(k, { accountName: 'Escalated' });
  const completed = await seedEnrolledDetractor(k, { accountName: 'Completed' });
  const fresh = await seedEnrolledDetractor(k, { accountName: 'Fresh' });
  await seedTask(k, escalated, { escalationLevel: 0, dueAt: new Date(Date.now() - 60_000) });
  await seedTask(k, escalated, { escalationLevel: 1 });
  await k.updateTable('enrollments').set({ status: 'completed', outcome: 'called', ended_at: new Date() }).where('id', '=', completed.enrollmentId).execute();
  const tokens = await createRoleTokens(k, fresh.csm.id);
  app = await createTestApi(k, { config: testConfig(env) });
  const server = app;
  const get = async (url: string, token: string = tokens.admin) => server.inject({ method: 'GET', url, headers: bearer(token) });
  return { escalated, completed, fresh, tokens, app: server, get };
}

describeEachBackend('journeys overview', (db) => {
  it('counts each journey’s enrollments by status, those escalated, and its tasks, in the overview', async () => {
    const { app, tokens, get } = await setUp(db().kysely);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: '/journeys/overview' }, ['admin']);
    const overview = (await get('/journeys/overview')).json();
    expect(overview.temporalUiUrl).toBeNull();
    expect(overview.journeys).toEqual([
      { name: 'detractor-follow-up', enabled: true, active: 2, completed: 1, cancelled: 0, failed: 0, escalated: 1, openTasks: 2, overdueTasks: 1 },
      { name: 'promoter-review-request', enabled: false, active: 0, completed: 0, cancelled: 0, failed: 0, escalated: 0, openTasks: 0, overdueTasks: 0 },
    ]);
  });

  it("links each enrollment to its workflow in the Temporal UI when one is configured, and to nothing otherwise", async () => {
    const { fresh, tokens, get } = await setUp(db().kysely, { NPSLOOP_TEMPORAL_UI_URL: 'http://127.0.0.1:8233/' });
    const listed = (await get('/enrollments?journey=detractor-follow-up')).json();
    expect(listed.enrollments).toHaveLength(3);
    const one = listed.enrollments.find((enrollment: { id: number }) => enrollment.id === fresh.enrollmentId);
    expect(one.temporalUiUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${fresh.workflowId}`);
    expect((await get(`/enrollments/${fresh.enrollmentId}`)).json().temporalUiUrl).toBe(one.temporalUiUrl);
    expect(`${(await get('/journeys/overview')).json().temporalUiUrl}/workflows/${fresh.workflowId}`).toBe(one.temporalUiUrl);
    await app?.close();
    app = await createTestApi(db().kysely);
    const plain = await app.inject({ method: 'GET', url: '/enrollments', headers: bearer(tokens.admin) });
    expect(plain.json().enrollments.every((enrollment: { temporalUiUrl: string | null }) => enrollment.temporalUiUrl === null)).toBe(true);
  });
});
