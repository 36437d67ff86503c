import type { InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { DETRACTOR_FOLLOW_UP, PROMOTER_REVIEW_REQUEST } from '../../journeys/built-in-journeys.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { tableCounter } from '../helpers/table-counts.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const HOUR_MS = 3_600_000;

/** An account whose CSM reports to a manager who reports to a director, and three users who answered an hour ago. */
async function setUp(k: Kysely<Database>) {
  const { csm, accountId } = await seedAccount(k, { accountName: 'Acme', users: [] });
  const director = await k.insertInto('csms').values({ external_id: 'dir', email: 'dora@cs.example', name: 'Dora Director' }).returning('id').executeTakeFirstOrThrow();
  const manager = await k.insertInto('csms').values({ external_id: 'mgr', email: 'max@cs.example', name: 'Max Manager', manager_id: director.id }).returning('id').executeTakeFirstOrThrow();
  await k.updateTable('csms').set({ manager_id: manager.id, name: 'Carla CSM' }).where('id', '=', csm.id).execute();
  await k
    .insertInto('users')
    .values([
      { external_id: 'u-pat', account_id: accountId, email: 'pat@acme.example', name: 'Pat Promoter' },
      { external_id: 'u-dee', account_id: accountId, email: 'dee@acme.example', name: 'Dee Detractor' },
      { external_id: 'u-pam', account_id: accountId, email: 'pam@acme.example', name: 'Pam Passive' },
    ])
    .execute();
  const respondedAt = new Date(Date.now() - HOUR_MS);
  await storeBatch(
    k,
    'csv',
    [
      validItem({ email: 'pat@acme.example', score: 10, respondedAt }),
      validItem({ email: 'dee@acme.example', score: 2, comment: 'Exports keep failing', respondedAt }),
      validItem({ email: 'pam@acme.example', score: 7, respondedAt }),
    ],
    new Date(),
  );
  const tokens = await createRoleTokens(k, csm.id);
  const app = await createTestApi(k);
  const as = (request: InjectOptions) => app.inject({ ...request, headers: { ...bearer(tokens.admin), ...(request.headers as Record<string, string> | undefined) } });
  const dryRun = (journey: object, user: string) => as({ method: 'POST', url: '/journeys/dry-run', payload: { ...journey, response: { user } } });
  return { app, as, dryRun, csm };
}

describeEachBackend('journey dry runs', (db) => {
  it("shows the review request's email a promoter would get, its link as a placeholder", async () => {
    const k = db().kysely;
    const { app, dryRun } = await setUp(k);
    const counts = await tableCounter(k);
    const before = await counts();
    // Not saved: the built-in as a document, under another name.
    const answer = await dryRun({ ...PROMOTER_REVIEW_REQUEST, name: 'ask-for-reviews' }, 'pat@acme.example');
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json();
    expect(body).toMatchObject({
      journey: 'ask-for-reviews',
      trigger: { event: { score: 10, category: 'promoter' }, matched: true, why: { reasons: [expect.stringContaining('category')] } },
      enrolls: true,
      notEnrolledBecause: null,
      follows: { type: 'review_request', reminderAfterHours: 72, email: { to: 'pat@acme.example', subject: 'Would you share your experience, Pat?' } },
    });
    expect(body.trigger.why.explanation).toMatchObject({ kind: 'all', result: true, conditions: [{ kind: 'leaf', fact: 'category', factValue: 'promoter', result: true }] });
    expect(body.follows.email.text).toContain('{{reviewUrl}}');
    expect(body.follows.email.text).toContain('Acme');
    expect(body.follows.email.text).toContain('Unsubscribe:');
    expect(await counts()).toEqual(before);
    await app.close();
  });

  it("shows a detractor's follow-up task: the owning CSM, due after the SLA, the managers it escalates to, and the CSM's email", async () => {
    const k = db().kysely;
    const { app, dryRun, csm } = await setUp(k);
    const counts = await tableCounter(k);
    const before = await counts();
    const startedAt = Date.now();
    const answer = await dryRun({ ...DETRACTOR_FOLLOW_UP, steps: { ...DETRACTOR_FOLLOW_UP.steps, slaHours: 24 } }, 'dee@acme.example');
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json();
    expect(body).toMatchObject({
      trigger: { event: { score: 2, category: 'detractor' }, matched: true },
      enrolls: true,
      follows: {
        type: 'detractor_follow_up',
        assignee: { id: csm.id, email: csm.email, name: 'Carla CSM' },
        slaHours: 24,
        escalation: [
          { level: 1, email: 'max@cs.example', name: 'Max Manager' },
          { level: 2, email: 'dora@cs.example', name: 'Dora Director' },
        ],
        email: { to: csm.email, subject: 'Detractor at Acme: Dee Detractor scored 2' },
      },
    });
    const due = Date.parse(body.follows.dueAt);
    expect(due).toBeGreaterThanOrEqual(startedAt + 24 * HOUR_MS);
    expect(due).toBeLessThan(Date.now() + 24 * HOUR_MS + 1);
    expect(body.follows.email.text).toContain('Exports keep failing');

    // The chain stops at escalationDepth.
    const shallow = await dryRun({ ...DETRACTOR_FOLLOW_UP, steps: { ...DETRACTOR_FOLLOW_UP.steps, escalationDepth: 1 } }, 'dee@acme.example');
    expect(shallow.json().follows.escalation.map((person: { email: string }) => person.email)).toEqual(['max@cs.example']);
    expect(await counts()).toEqual(before);
    await app.close();
  });

  it("says why a response the trigger does not take enrolls nobody, per condition, and what stops one it takes", async () => {
    const k = db().kysely;
    const { app, dryRun, as } = await setUp(k);
    const passive = (await dryRun(DETRACTOR_FOLLOW_UP, 'pam@acme.example')).json();
    expect(passive).toMatchObject({ trigger: { matched: false, event: { score: 7, category: 'passive' } }, enrolls: false, notEnrolledBecause: 'the trigger does not take this response', follows: null });
    expect(passive.trigger.why.explanation.conditions[0]).toMatchObject({ fact: 'category', value: 'detractor', factValue: 'passive', result: false });
    expect(passive.trigger.why.reasons).toEqual([expect.stringContaining('passive')]);

    // A response older than maxResponseAgeDays is taken by the trigger but enrolls nobody.
    await k.updateTable('nps_responses').set({ responded_at: new Date(Date.now() - 10 * 24 * HOUR_MS) }).execute();
    const old = (await dryRun(DETRACTOR_FOLLOW_UP, 'dee@acme.example')).json();
    expect(old).toMatchObject({ trigger: { matched: true }, enrolls: false, notEnrolledBecause: expect.stringContaining('older than 7 days') });

    expect((await dryRun(DETRACTOR_FOLLOW_UP, 'nobody@acme.example')).statusCode).toBe(404);
    const noResponse = await as({ method: 'POST', url: '/journeys/dry-run', payload: DETRACTOR_FOLLOW_UP });
    expect(noResponse.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'body.response' }] });
    const invalid = await dryRun({ ...DETRACTOR_FOLLOW_UP, cooldownDays: -1 }, 'dee@acme.example');
    expect(invalid.json().error).toMatchObject({ code: 'invalid_journey', issues: [{ path: '$.cooldownDays' }] });
    await app.close();
  });
});
