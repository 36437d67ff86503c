import type { InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { getJourney, installMissingJourneys } from '../../db/queries/journeys.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { BUILT_IN_JOURNEYS, DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import type { JourneyDefinitionInput } from '../../journeys/journey-definition.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

/** A follow-up journey for unhappy admins, as an admin writes it: defaults left out. */
function aFollowUpJourney(overrides: Partial<JourneyDefinitionInput> = {}): JourneyDefinitionInput {
  return {
    name: 'admin-follow-up',
    trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }, { fact: 'role', operator: 'equal', value: 'admin' }] },
    steps: {
      type: 'detractor_follow_up',
      csmEmailTemplate: { subject: 'Unhappy admin at {{accountName}}', text: 'Hi {{assigneeName}}, {{userName}} scored {{score}}.' },
      escalationEmailTemplate: { subject: 'Escalated: {{accountName}}', text: 'Hi {{assigneeName}}, {{csmName}} has not followed up.' },
    },
    ...overrides,
  };
}

async function journeyRows(k: Kysely<Database>) {
  return k.selectFrom('journeys').select(['name', 'version', 'enabled', 'definition']).orderBy('name').execute();
}

async function setUp(k: Kysely<Database>) {
  const { csm, users, accountId } = await seedAccount(k, { users: ['ana@acme.example'] });
  await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'npsloop' });
  const tokens = await createRoleTokens(k, csm.id);
  const app = await createTestApi(k);
  const as = (request: InjectOptions) => app.inject({ ...request, headers: { ...bearer(tokens.admin), ...(request.headers as Record<string, string> | undefined) } });
  return { app, tokens, as, user: users[0]!, accountId };
}

describeEachBackend('journeys API', (db) => {
  it('lets only admins at every journey route', async () => {
    const k = db().kysely;
    const { app, tokens, as, user } = await setUp(k);
    await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: aFollowUpJourney() });
    await storeBatch(k, 'csv', [validItem({ email: user.email, score: 2, respondedAt: new Date() })], new Date());
    const requests: InjectOptions[] = [
      { method: 'GET', url: '/journeys' },
      { method: 'GET', url: '/journeys/admin-follow-up' },
      { method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney({ cooldownDays: 30 }), expectedVersion: 1 } },
      { method: 'POST', url: '/journeys/admin-follow-up/enable' },
      { method: 'POST', url: '/journeys/admin-follow-up/disable' },
      { method: 'POST', url: '/journeys/validate', payload: aFollowUpJourney() },
      { method: 'POST', url: '/journeys/dry-run', payload: { ...aFollowUpJourney(), response: { user: 'ana@acme.example' } } },
      { method: 'GET', url: '/journeys/schema' },
      { method: 'GET', url: '/journeys/overview' },
      { method: 'DELETE', url: '/journeys/admin-follow-up' },
    ];
    const before = await journeyRows(k);
    for (const request of requests) await expectRefusedUnlessRole(app, tokens, request, ['admin']);
    expect(await journeyRows(k)).toEqual(before);
    const journeyRoutes = app.routeTable.filter((route) => route.url.startsWith('/journeys'));
    expect(journeyRoutes).toHaveLength(requests.length);
    for (const route of journeyRoutes) expect(route.access).toEqual({ roles: ['admin'] });
    for (const request of requests) {
      const response = await as(request);
      expect(response.statusCode, `${request.method} ${request.url}: ${response.body}`).toBeLessThan(300);
    }
    await app.close();
  });

  it('lists and shows journeys, the built-ins marked as such', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    const list = (await as({ method: 'GET', url: '/journeys' })).json();
    expect(list.journeys.map((j: { name: string; enabled: boolean; builtIn: boolean }) => [j.name, j.enabled, j.builtIn])).toEqual([
      ['detractor-follow-up', true, true],
      ['promoter-review-request', false, true],
    ]);
    const shown = (await as({ method: 'GET', url: '/journeys/detractor-follow-up' })).json();
    expect(shown.journey).toMatchObject({ name: 'detractor-follow-up', version: 1, updatedBy: 'npsloop', definition: DETRACTOR_FOLLOW_UP });
    expect((await as({ method: 'GET', url: '/journeys/nurture' })).statusCode).toBe(404);
    await app.close();
  });

  it('creates a journey disabled, versions its changes, and enables and disables it', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    // The name may be left out of the body: it is the URL's.
    const { name: _name, ...unnamed } = aFollowUpJourney();
    const created = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: unnamed });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ journey: { name: 'admin-follow-up', version: 1, enabled: false, builtIn: false, updatedBy: 'test admin' }, changed: true });
    // Defaults are filled in and stored.
    expect(created.json().journey.definition).toMatchObject({ cooldownDays: 90, maxResponseAgeDays: 7, steps: { slaHours: 48, escalationDepth: 2 } });

    const same = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney(), expectedVersion: 1 } });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ journey: { version: 1 }, changed: false });
    const changed = await as({ method: 'PUT', url: '/journeys/admin-follow-up', headers: { 'if-match': '"1"' }, payload: aFollowUpJourney({ cooldownDays: 30 }) });
    expect(changed.json()).toMatchObject({ journey: { version: 2, enabled: false, definition: { cooldownDays: 30 } }, changed: true });

    expect((await as({ method: 'POST', url: '/journeys/admin-follow-up/enable' })).json()).toMatchObject({ journey: { enabled: true, version: 3 }, changed: true });
    expect((await as({ method: 'POST', url: '/journeys/admin-follow-up/enable' })).json()).toMatchObject({ journey: { version: 3 }, changed: false });
    // A change of definition leaves an enabled journey enabled.
    expect((await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney({ cooldownDays: 31 }), expectedVersion: 3 } })).json().journey).toMatchObject({ enabled: true, version: 4 });
    expect((await as({ method: 'POST', url: '/journeys/admin-follow-up/disable' })).json().journey).toMatchObject({ enabled: false, version: 5 });
    expect((await as({ method: 'POST', url: '/journeys/nurture/enable' })).statusCode).toBe(404);
    await app.close();
  });

  it('refuses to enable the review request while its review page is the placeholder, saying what to set', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);

    const refused = await as({ method: 'POST', url: '/journeys/promoter-review-request/enable' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'journey_not_ready',
      issues: [{ path: '$.steps.reviewUrl', message: expect.stringContaining('set it to your own review page first') }],
    });
    expect((await getJourney(k, 'promoter-review-request')).enabled).toBe(false);

    const { definition } = await getJourney(k, 'promoter-review-request');
    const ownPage = { ...definition, steps: { ...definition.steps, reviewUrl: 'https://www.g2.com/products/acme/reviews' } };
    expect((await as({ method: 'PUT', url: '/journeys/promoter-review-request', payload: { ...ownPage, expectedVersion: 1 } })).statusCode).toBe(200);
    expect((await as({ method: 'POST', url: '/journeys/promoter-review-request/enable' })).json().journey).toMatchObject({ enabled: true });
    const backToPlaceholder = await as({ method: 'PUT', url: '/journeys/promoter-review-request', payload: { ...definition, expectedVersion: 3 } });
    expect(backToPlaceholder.statusCode).toBe(409);
    expect(backToPlaceholder.json().error.code).toBe('journey_not_ready');
    await app.close();
  });

  it('reports each mistake at its JSON path in the definition and saves nothing', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    const before = await journeyRows(k);

    const mistakes = await as({
      method: 'PUT',
      url: '/journeys/admin-follow-up',
      payload: aFollowUpJourney({
        trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }, { fact: 'mood', operator: 'equal', value: 'sad' }] },
        cooldownDays: -1,
        steps: {
          type: 'detractor_follow_up',
          csmEmailTemplate: { subject: 'Hi', text: 'Hi {{firstName}}' },
          escalationEmailTemplate: { subject: 'Escalated', text: 'Escalated' },
        },
      }),
    });
    expect(mistakes.statusCode).toBe(400);
    expect(mistakes.json().error).toMatchObject({ code: 'invalid_journey', message: expect.stringContaining('nothing was saved') });
    expect(mistakes.json().error.issues).toEqual(
      expect.arrayContaining([
        { path: '$.trigger.all[1].fact', message: expect.stringContaining('"mood" is not a fact of response events') },
        { path: '$.cooldownDays', message: 'must be a whole number of days from 0 to 3650' },
        { path: '$.steps.csmEmailTemplate.text', message: expect.stringContaining('"{{firstName}}" is not a placeholder here') },
      ]),
    );

    const renamed = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: aFollowUpJourney({ name: 'other-name' }) });
    expect(renamed.json().error).toMatchObject({ code: 'invalid_journey', issues: [{ path: '$.name', message: expect.stringContaining('the name in the URL') }] });

    const unknownKey = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney(), enabled: true } });
    expect(unknownKey.json().error.issues).toEqual([{ path: '$.enabled', message: expect.stringContaining('is not allowed here') }]);

    const malformed = await as({ method: 'PUT', url: '/journeys/admin-follow-up', headers: { 'content-type': 'application/json' }, payload: '{"trigger": ' });
    expect(malformed.json().error).toMatchObject({ code: 'malformed_json', issues: [{ path: '$' }] });
    const polluting = await as({
      method: 'PUT',
      url: '/journeys/admin-follow-up',
      headers: { 'content-type': 'application/json' },
      payload: '{"steps":{"type":"detractor_follow_up","__proto__":{"slaHours":1}}}',
    });
    expect(polluting.json().error).toMatchObject({ code: 'malformed_json', issues: [{ path: '$.steps.__proto__' }] });
    const empty = await as({ method: 'PUT', url: '/journeys/admin-follow-up' });
    expect(empty.json().error).toMatchObject({ code: 'invalid_journey', issues: [{ path: '$', message: expect.stringContaining('is required') }] });
    expect(await journeyRows(k)).toEqual(before);
    await app.close();
  });

  it('never deletes a built-in or a journey with enrollments; a change reaches only later enrollments', async () => {
    const k = db().kysely;
    const { app, as, user, accountId } = await setUp(k);
    const builtIn = await as({ method: 'DELETE', url: '/journeys/detractor-follow-up' });
    expect(builtIn.statusCode).toBe(409);
    expect(builtIn.json().error).toMatchObject({ code: 'built_in_journey', message: expect.stringContaining('disable it instead') });

    await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: aFollowUpJourney() });
    await storeBatch(k, 'csv', [validItem({ email: user.email, score: 1, respondedAt: new Date() })], new Date());
    const response = await k.selectFrom('nps_responses').select('id').executeTakeFirstOrThrow();
    const journey = await getJourney(k, 'admin-follow-up');
    const enrollment = await k
      .insertInto('enrollments')
      .values({
        status: 'active',
        journey_name: journey.name,
        journey_version: journey.version,
        definition: JSON.stringify(journey.definition),
        user_id: user.id,
        account_id: accountId,
        response_id: response.id,
        workflow_id: 'journey-admin-follow-up-1',
        enrolled_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const changed = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney({ cooldownDays: 7 }), expectedVersion: 1 } });
    expect(changed.json().journey).toMatchObject({ version: 2, definition: { cooldownDays: 7 } });
    const inFlight = await k.selectFrom('enrollments').select(['journey_version', 'definition']).where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(inFlight).toMatchObject({ journey_version: 1, definition: { cooldownDays: 90 } });

    const inUse = await as({ method: 'DELETE', url: '/journeys/admin-follow-up' });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error).toMatchObject({ code: 'journey_in_use', message: expect.stringContaining('1 enrollment') });
    expect((await as({ method: 'GET', url: '/journeys/admin-follow-up' })).statusCode).toBe(200);

    await as({ method: 'PUT', url: '/journeys/never-used', payload: aFollowUpJourney({ name: 'never-used' }) });
    const deleted = await as({ method: 'DELETE', url: '/journeys/never-used' });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().journey).toMatchObject({ name: 'never-used' });
    expect((await as({ method: 'GET', url: '/journeys/never-used' })).statusCode).toBe(404);
    expect((await as({ method: 'DELETE', url: '/journeys/never-used' })).statusCode).toBe(404);
    await app.close();
  });
});
