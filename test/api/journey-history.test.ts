import type { InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { installMissingJourneys } from '../../db/queries/journeys.ts';
import { BUILT_IN_JOURNEYS } from '../../journeys/built-in-journeys.ts';
import type { JourneyDefinitionInput } from '../../journeys/journey-definition.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

function aFollowUpJourney(overrides: Partial<JourneyDefinitionInput> = {}): JourneyDefinitionInput {
  return {
    name: 'admin-follow-up',
    trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }] },
    steps: {
      type: 'detractor_follow_up',
      csmEmailTemplate: { subject: 'Unhappy user at {{accountName}}', text: 'Hi {{assigneeName}}, {{userName}} scored {{score}}.' },
      escalationEmailTemplate: { subject: 'Escalated: {{accountName}}', text: 'Hi {{assigneeName}}, {{csmName}} has not followed up.' },
    },
    ...overrides,
  };
}

async function setUp(k: Kysely<Database>) {
  const { csm } = await seedAccount(k);
  await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'npsloop' });
  const tokens = await createRoleTokens(k, csm.id);
  const app = await createTestApi(k);
  const as = (request: InjectOptions) => app.inject({ ...request, headers: { ...bearer(tokens.admin), ...(request.headers as Record<string, string> | undefined) } });
  return { app, as };
}

async function versionRows(k: Kysely<Database>) {
  return k.selectFrom('journey_versions').select(['journey_id', 'version', 'change', 'enabled', 'changed_by', 'note']).orderBy('journey_id').orderBy('version').execute();
}

describeEachBackend('journey history and concurrency', (db) => {
  it('keeps a version row for every change, with who and why, and shows the history oldest first', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    // The built-ins, installed at start, have their first version.
    expect((await as({ method: 'GET', url: '/journeys/detractor-follow-up' })).json().history).toMatchObject([{ version: 1, change: 'created', changedBy: 'npsloop', enabled: true }]);

    expect((await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney(), note: 'for admins' } })).statusCode).toBe(201);
    const unchanged = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney(), expectedVersion: 1 } });
    expect(unchanged.json()).toMatchObject({ changed: false, journey: { version: 1 } });
    const updated = await as({ method: 'PUT', url: '/journeys/admin-follow-up', headers: { 'if-match': '"1"' }, payload: { ...aFollowUpJourney({ cooldownDays: 30 }), note: 'a month is enough' } });
    expect(updated.headers.etag).toBe('"2"');
    await as({ method: 'POST', url: '/journeys/admin-follow-up/enable', payload: { expectedVersion: 2, note: 'templates read' } });
    await as({ method: 'POST', url: '/journeys/admin-follow-up/disable', headers: { 'if-match': '3' } });

    const shown = await as({ method: 'GET', url: '/journeys/admin-follow-up' });
    expect(shown.headers.etag).toBe('"4"');
    expect(shown.json().journey).toMatchObject({ name: 'admin-follow-up', version: 4, enabled: false, builtIn: false });
    expect(shown.json().history).toMatchObject([
      { version: 1, change: 'created', enabled: false, changedBy: 'test admin', note: 'for admins', definition: { cooldownDays: 90 } },
      { version: 2, change: 'updated', enabled: false, note: 'a month is enough', definition: { cooldownDays: 30 } },
      { version: 3, change: 'enabled', enabled: true, note: 'templates read' },
      { version: 4, change: 'disabled', enabled: false, note: null },
    ]);

    const { id } = await k.selectFrom('journeys').select('id').where('name', '=', 'admin-follow-up').executeTakeFirstOrThrow();
    expect((await as({ method: 'DELETE', url: '/journeys/admin-follow-up', headers: { 'if-match': '"4"' } })).statusCode).toBe(200);
    // The history outlives the journey, ending with its deletion.
    const rows = (await versionRows(k)).filter((row) => row.journey_id === id);
    expect(rows.map((row) => `${row.version}:${row.change}`)).toEqual(['1:created', '2:updated', '3:enabled', '4:disabled', '5:deleted']);
    await app.close();
  });

  it('refuses a change made from a stale version with 409, a change without one with 428, and saves nothing', async () => {
    const k = db().kysely;
    const { app, as } = await setUp(k);
    await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: aFollowUpJourney() });
    await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney({ cooldownDays: 30 }), expectedVersion: 1 } });
    const journeysBefore = await k.selectFrom('journeys').selectAll().orderBy('id').execute();
    const versionsBefore = await versionRows(k);

    const stalePut = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney({ cooldownDays: 10 }), expectedVersion: 1 } });
    expect(stalePut.statusCode).toBe(409);
    expect(stalePut.json().error).toMatchObject({ code: 'version_conflict', message: expect.stringContaining('at version 2, not 1') });
    const staleHeader = await as({ method: 'PUT', url: '/journeys/admin-follow-up', headers: { 'if-match': 'W/"1"' }, payload: aFollowUpJourney({ cooldownDays: 10 }) });
    expect(staleHeader.json().error.code).toBe('version_conflict');
    const staleEnable = await as({ method: 'POST', url: '/journeys/admin-follow-up/enable', payload: { expectedVersion: 1 } });
    expect(staleEnable.statusCode).toBe(409);
    expect(staleEnable.json().error.code).toBe('version_conflict');
    const staleDelete = await as({ method: 'DELETE', url: '/journeys/admin-follow-up', headers: { 'if-match': '"1"' } });
    expect(staleDelete.json().error.code).toBe('version_conflict');

    const unversioned = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: aFollowUpJourney({ cooldownDays: 10 }) });
    expect(unversioned.statusCode).toBe(428);
    expect(unversioned.json().error.code).toBe('version_required');
    const disagreeing = await as({ method: 'PUT', url: '/journeys/admin-follow-up', headers: { 'if-match': '"2"' }, payload: { ...aFollowUpJourney(), expectedVersion: 1 } });
    expect(disagreeing.statusCode).toBe(400);
    const badNote = await as({ method: 'PUT', url: '/journeys/admin-follow-up', payload: { ...aFollowUpJourney(), expectedVersion: 2, note: 'x'.repeat(1001) } });
    expect(badNote.json().error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'body.note' }] });

    expect(await k.selectFrom('journeys').selectAll().orderBy('id').execute()).toEqual(journeysBefore);
    expect(await versionRows(k)).toEqual(versionsBefore);
    await app.close();
  });
});
