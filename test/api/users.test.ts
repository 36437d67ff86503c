import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { enrollUser } from '../../activities/enroll-user.ts';
import { closeTask, createFollowUpTask } from '../../tasks/follow-up-tasks.ts';
import { refreshLists } from '../../lists/refresh-lists.ts';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { saveJourney } from '../../db/queries/journeys.ts';
import { createRule } from '../../db/queries/rules.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { aLeaf, aListRule } from '../fixtures/rules.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const t0 = new Date('2026-10-05T09:00:00Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const settingsAt = (now: Date) => ({ now, timeZone: 'UTC', counting: 'every_response' as const });

/**
 * Dee at Acme answers 2 at t0: she is enrolled in the detractor follow-up, her CSM gets a task,
 * she enters the "unhappy" list, the task is done; a day later she answers 10 and leaves the list.
 */
async function seedDeeStory(k: Kysely<Database>) {
  const acme = await seedAccount(k, { accountName: 'Acme', users: ['dee@acme.example'] });
  const globex = await seedAccount(k, { accountName: 'Globex', users: ['gil@globex.example'] });
  const dee = acme.users[0]!;
  await saveJourney(k, DETRACTOR_FOLLOW_UP, { actor: 'test', at: t0 });
  await createRule(k, aListRule({ name: 'unhappy', conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 })] } }), { actor: 'test', at: t0 });

  await storeBatch(k, 'csv', [validItem({ email: dee.email, score: 2, respondedAt: t0, comment: 'slow' })], t0);
  const { id: responseId } = await k.selectFrom('nps_responses').select('id').where('user_id', '=', dee.id).executeTakeFirstOrThrow();
  const workflowId = `journey-detractor-follow-up-user-${dee.id}`;
  const enrollment = await enrollUser(k, { journeyName: 'detractor-follow-up', userId: dee.id, responseId, workflowId, now: later(1).toISOString() });
  if (enrollment.status !== 'enrolled') throw new Error(`not enrolled: ${enrollment.status}`);
  const { task } = await createFollowUpTask(k, {
    idempotencyKey: `${enrollment.enrollmentId}:level-0`,
    enrollmentId: enrollment.enrollmentId,
    userId: dee.id,
    accountId: acme.accountId,
    responseId,
    assigneeCsmId: acme.csm.id,
    dueAt: later(48 * 60).toISOString(),
    escalationLevel: 0,
    workflowId,
    at: later(2).toISOString(),
  });
  await refreshLists(k, settingsAt(later(60)), { names: ['unhappy'] });
  await closeTask(k, { taskId: task.id, status: 'done', completedBy: acme.csm.email, outcome: 'called her', at: later(180) });
  await storeBatch(k, 'csv', [validItem({ email: dee.email, score: 10, respondedAt: later(24 * 60) })], later(24 * 60));
  await refreshLists(k, settingsAt(later(25 * 60)), { names: ['unhappy'] });
  return { acme, globex, dee };
}

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(k: Kysely<Database>) {
  const seeded = await seedDeeStory(k);
  const tokens = await createRoleTokens(k, seeded.acme.csm.id);
  app = await createTestApi(k);
  const server = app;
  const get = async (url: string, token: string = tokens.admin) => server.inject({ method: 'GET', url, headers: bearer(token) });
  return { ...seeded, tokens, app: server, get };
}

describeEachBackend('users API', (db) => {
  it('lets admins and CSMs read timelines, and nobody else', async () => {
    const { app, tokens, dee } = await setUp(db().kysely);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/users/${dee.id}/timeline` }, ['admin', 'csm']);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/users/by-email/${dee.email}/timeline` }, ['admin', 'csm']);
  });

  it("interleaves a user's responses, lists, journeys and tasks in time order", async () => {
    const { get, dee, acme } = await setUp(db().kysely);
    const response = await get(`/users/${dee.id}/timeline`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user).toEqual({ id: dee.id, externalId: expect.any(String), email: 'dee@acme.example', name: null, role: 'admin', account: { id: acme.accountId, name: 'Acme' } });
    expect(body.events.map((e: { kind: string; at: string }) => [e.kind, e.at])).toEqual([
      ['response', t0.toISOString()],
      ['enrollment_started', later(1).toISOString()],
      ['task_created', later(2).toISOString()],
      ['list_entered', later(60).toISOString()],
      ['task_completed', later(180).toISOString()],
      ['response', later(24 * 60).toISOString()],
      ['list_exited', later(25 * 60).toISOString()],
    ]);
    expect(body.events[0]).toMatchObject({ score: 2, category: 'detractor', comment: 'slow', source: 'csv', accountId: acme.accountId, excluded: false });
    expect(body.events[2]).toMatchObject({ journeyName: 'detractor-follow-up', escalationLevel: 0, assigneeCsmId: acme.csm.id, dueAt: later(48 * 60).toISOString() });
    expect(body.events[3]).toMatchObject({ list: 'unhappy' });
    expect(body.events[4]).toMatchObject({ outcome: 'called her', completedBy: acme.csm.email });
    expect(body.nextCursor).toBeNull();
  });

  it('pages the timeline by cursor without gaps or repeats, and refuses a forged cursor', async () => {
    const { get, dee } = await setUp(db().kysely);
    const all = (await get(`/users/${dee.id}/timeline`)).json().events.map((e: { eventId: string }) => e.eventId);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: { eventId: string }[]; nextCursor: string | null } = (
        await get(`/users/${dee.id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.events.length).toBeLessThanOrEqual(2);
      paged.push(...page.events.map((e) => e.eventId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);
    expect(all).toHaveLength(7);

    for (const url of [`/users/${dee.id}/timeline?cursor=not-a-cursor`, `/users/${dee.id}/timeline?limit=0`, `/users/${dee.id}/timeline?limit=501`, '/users/x/timeline']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.issues[0].path).toMatch(/^(querystring\.(cursor|limit)|params\.id)$/);
    }
  });

  it('finds a user by email in any case', async () => {
    const { get, dee } = await setUp(db().kysely);
    const body = (await get(`/users/by-email/${encodeURIComponent('Dee@ACME.example')}/timeline?limit=1`)).json();
    expect(body.user.id).toBe(dee.id);
    expect(body.events).toHaveLength(1);
    expect(body.nextCursor).not.toBeNull();
    const missing = await get('/users/by-email/nobody@acme.example/timeline');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('a user with email nobody@acme.example was not found');
  });

  it("shows a CSM the users on their accounts only, and another CSM's user as not found", async () => {
    const { get, tokens, dee, globex } = await setUp(db().kysely);
    expect((await get(`/users/${dee.id}/timeline`, tokens.csm)).statusCode).toBe(200);
    expect((await get(`/users/by-email/${dee.email}/timeline`, tokens.csm)).statusCode).toBe(200);
    const gil = globex.users[0]!;
    for (const url of [`/users/${gil.id}/timeline`, `/users/by-email/${gil.email}/timeline`, '/users/999999/timeline']) {
      const response = await get(url, tokens.csm);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    // The admin sees Gil.
    expect((await get(`/users/${gil.id}/timeline`)).statusCode).toBe(200);
  });

  it('describes the routes in the OpenAPI document under the users tag', async () => {
    const { get } = await setUp(db().kysely);
    const document = (await get('/openapi.json')).json();
    for (const path of ['/users/{id}/timeline', '/users/by-email/{email}/timeline']) {
      expect(document.paths[path].get.tags).toEqual(['users']);
      expect(document.paths[path].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor']));
    }
  });
});
