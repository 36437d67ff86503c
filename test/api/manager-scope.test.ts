import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { seedEnrolledDetractor, seedTask } from '../fixtures/follow-up-tasks.ts';
import { bearer, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/**
 * Max manages Rita; Pete is nobody's report. Each owns one account with a detractor, an
 * enrollment and an open task.
 */
async function setUp(k: Kysely<Database>) {
  const max = await seedEnrolledDetractor(k, { accountName: 'Maxco', csmEmail: 'max@cs.example', userEmail: 'u@maxco.example' });
  const rita = await seedEnrolledDetractor(k, { accountName: 'Ritaco', csmEmail: 'rita@cs.example', userEmail: 'u@ritaco.example' });
  const pete = await seedEnrolledDetractor(k, { accountName: 'Peteco', csmEmail: 'pete@cs.example', userEmail: 'u@peteco.example' });
  await k.updateTable('csms').set({ manager_id: max.csm.id }).where('id', '=', rita.csm.id).execute();
  const tasks = { max: await seedTask(k, max), rita: await seedTask(k, rita), pete: await seedTask(k, pete) };
  const managerToken = (await createApiToken(k, { name: 'Max', role: 'csm', csmId: max.csm.id })).token;
  const reportToken = (await createApiToken(k, { name: 'Rita', role: 'csm', csmId: rita.csm.id })).token;
  app = await createTestApi(k);
  const server = app;
  const get = (url: string, token: string) => server.inject({ method: 'GET', url, headers: bearer(token) });
  return { max, rita, pete, tasks, managerToken, reportToken, get };
}

const accountNames = (body: { accounts: { account: { name: string } }[] }) => body.accounts.map((row) => row.account.name).sort();

describeEachBackend('what a manager and a CSM see', (db) => {
  it("lets a manager read their team's accounts, users, tasks and enrollments, and nobody else's", async () => {
    const { rita, pete, tasks, managerToken, get } = await setUp(db().kysely);
    expect(accountNames((await get('/accounts/nps?window=last_30_days', managerToken)).json())).toEqual(['Maxco', 'Ritaco']);
    expect((await get(`/accounts/${rita.accountId}/health`, managerToken)).statusCode).toBe(200);
    expect((await get(`/accounts/${rita.accountId}/nps`, managerToken)).statusCode).toBe(200);
    expect((await get(`/accounts/${pete.accountId}/health`, managerToken)).statusCode).toBe(404);
    expect((await get(`/users/${rita.user.id}/timeline`, managerToken)).statusCode).toBe(200);
    expect((await get(`/users/${pete.user.id}/timeline`, managerToken)).statusCode).toBe(404);

    const listed = (await get('/tasks', managerToken)).json();
    expect(listed.tasks.map((task: { id: number }) => task.id).sort()).toEqual([tasks.max!.id, tasks.rita!.id].sort());
    expect((await get('/tasks?assignee=rita@cs.example', managerToken)).json().tasks.map((task: { id: number }) => task.id)).toEqual([tasks.rita!.id]);
    expect((await get('/tasks?assignee=pete@cs.example', managerToken)).statusCode).toBe(403);
    expect((await get(`/tasks/${tasks.rita!.id}`, managerToken)).statusCode).toBe(200);
    expect((await get(`/tasks/${tasks.pete!.id}`, managerToken)).statusCode).toBe(404);

    const enrollments = (await get('/enrollments', managerToken)).json();
    expect(enrollments.enrollments.map((e: { account: { name: string } }) => e.account.name).sort()).toEqual(['Maxco', 'Ritaco']);
    expect((await get(`/enrollments/${pete.enrollmentId}`, managerToken)).statusCode).toBe(404);
  });

  it('keeps a CSM who manages nobody to their own accounts, even those of their manager', async () => {
    const { max, tasks, reportToken, get } = await setUp(db().kysely);
    expect(accountNames((await get('/accounts/nps?window=last_30_days', reportToken)).json())).toEqual(['Ritaco']);
    expect((await get(`/accounts/${max.accountId}/health`, reportToken)).statusCode).toBe(404);
    expect((await get(`/users/${max.user.id}/timeline`, reportToken)).statusCode).toBe(404);
    expect((await get('/tasks', reportToken)).json().tasks.map((task: { id: number }) => task.id)).toEqual([tasks.rita!.id]);
    expect((await get(`/tasks/${tasks.max!.id}`, reportToken)).statusCode).toBe(404);
    expect((await get('/tasks?assignee=max@cs.example', reportToken)).statusCode).toBe(403);
    expect((await get(`/enrollments/${max.enrollmentId}`, reportToken)).statusCode).toBe(404);
  });
});
