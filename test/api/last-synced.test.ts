import type { InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import type { Database } from '../../db/database.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { configWithSecrets, signedDelivery, withToken } from '../helpers/webhook-deliveries.ts';

/*
 * What "last synced" (lastSyncedAt) on an account's figures means, pinned: the latest time any
 * source of the responses a window counts delivered responses to npsloop (a webhook delivery or
 * a CSV import, for any account, taken or refused). Not when the account was synced.
 */

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(k: Kysely<Database>) {
  const acme = await seedAccount(k, { accountName: 'Acme', accountExternalId: 'acme', users: ['a1@acme.example', 'a2@acme.example'] });
  const globex = await seedAccount(k, { accountName: 'Globex', accountExternalId: 'globex', users: ['g1@globex.example'] });
  const tokens = await createRoleTokens(k, acme.csm.id);
  app = await createTestApi(k, { config: configWithSecrets() });
  const server = app;

  let eventNumber = 0;
  const delighted = (eventType: string, eventData: Record<string, unknown>) =>
    withToken(signedDelivery('delighted', JSON.stringify({ event_id: `evt-${++eventNumber}`, event_type: eventType, event_data: eventData })), tokens.ingest);
  const surveyResponse = (email: string, score: unknown) => ({
    id: `resp-${eventNumber + 1}`,
    survey_type: 'nps',
    person: { email },
    score,
    comment: null,
    created_at: Math.floor(hoursAgo(2).getTime() / 1000),
  });

  /** Sends a request and returns when it was handled: no earlier than `from`, no later than `to`. */
  const timed = async (request: InjectOptions, expectedStatus: number) => {
    const from = new Date();
    const response = await server.inject(request);
    expect(response.statusCode, response.body).toBe(expectedStatus);
    return { from, to: new Date(), body: response.json() };
  };
  const deliveryToDelighted = (email: string, score: unknown) => ({ method: 'POST' as const, ...delighted('survey_response.created', surveyResponse(email, score)) });
  const deliverToDelighted = (email: string, score: unknown, expectedStatus = 202) => timed(deliveryToDelighted(email, score), expectedStatus);
  const sync = (kind: string, records: unknown[]) =>
    timed({ method: 'POST', url: `/sync/${kind}`, headers: bearer(tokens.ingest), payload: { records } }, 200);
  const importCsv = (source: string, csv: string) =>
    timed({ method: 'POST', url: `/imports/responses?source=${source}`, headers: { ...bearer(tokens.ingest), 'content-type': 'text/csv' }, payload: csv }, 200);

  /** An account's figures over the last 30 days, as the grid gives them and as the account's own route does. */
  const figuresOf = async (accountId: number) => {
    const grid = (await server.inject({ method: 'GET', url: '/accounts/nps?window=last_30_days', headers: bearer(tokens.admin) })).json();
    const row = grid.accounts.find((r: { account: { id: number } }) => r.account.id === accountId);
    const own = (await server.inject({ method: 'GET', url: `/accounts/${accountId}/nps?window=last_30_days`, headers: bearer(tokens.admin) })).json();
    const { account: _account, ...figures } = row;
    expect(own.windows[0]).toMatchObject({ sources: figures.sources, lastSyncedAt: figures.lastSyncedAt, total: figures.total });
    return figures as { total: number; sources: string[]; lastSyncedAt: string | null };
  };
  return { acme, globex, deliveryToDelighted, deliverToDelighted, delighted, timed, sync, importCsv, figuresOf };
}

function expectWithin(lastSyncedAt: string | null, { from, to }: { from: Date; to: Date }): void {
  expect(lastSyncedAt).not.toBeNull();
  const at = new Date(lastSyncedAt!).getTime();
  expect(at).toBeGreaterThanOrEqual(from.getTime());
  expect(at).toBeLessThanOrEqual(to.getTime());
}

describeEachBackend('last synced on account NPS', (db) => {
  it("is when the freshest source of the window's responses last delivered, whatever account or outcome, and no sync of the instance moves it", async () => {
    const { acme, globex, deliveryToDelighted, deliverToDelighted, delighted, timed, sync, importCsv, figuresOf } = await setUp(db().kysely);

    // A window that counts no response has no source, so nothing to have synced.
    expect(await figuresOf(globex.accountId)).toMatchObject({ total: 0, sources: [], lastSyncedAt: null });

    // A webhook delivery moves it.
    const first = await deliverToDelighted('a1@acme.example', 9);
    let acmeFigures = await figuresOf(acme.accountId);
    expect(acmeFigures).toMatchObject({ total: 1, sources: ['delighted'] });
    expectWithin(acmeFigures.lastSyncedAt, first);

    // So does the same source's delivery for another account, and one whose every response is refused (422):
    // the source delivered, so Acme's figures are as current as that.
    const forGlobex = await deliverToDelighted('g1@globex.example', 10);
    expectWithin((await figuresOf(acme.accountId)).lastSyncedAt, forGlobex);
    const refused = await deliverToDelighted('a2@acme.example', 'eleven', 422);
    acmeFigures = await figuresOf(acme.accountId);
    expect(acmeFigures.total).toBe(1);
    expectWithin(acmeFigures.lastSyncedAt, refused);

    // A response from a user not synced yet waits, and its delivery counts too.
    const waitingDelivery = deliveryToDelighted('late@acme.example', 3);
    const waiting = await timed(waitingDelivery, 202);
    expect(waiting.body.rejected).toMatchObject([{ reason: 'unknown_user' }]);
    const lastDelivery = (await figuresOf(acme.accountId)).lastSyncedAt;
    expectWithin(lastDelivery, waiting);

    // Nothing else moves it: a delivery that carries no response (an unsubscribe), a replayed delivery,
    // the instance syncs, even the user sync that takes the waiting response into Acme's figures.
    await timed({ method: 'POST', ...delighted('unsubscribe.created', { person: { email: 'a1@acme.example' } }) }, 202);
    expect((await timed(waitingDelivery, 202)).body).toEqual(waiting.body);
    await sync('csms', [{ externalId: 'ann', email: 'ann@cs.example', name: 'Ann' }]);
    await sync('accounts', [{ externalId: 'acme', name: 'Acme Inc', csmExternalId: 'ann' }]);
    const taken = await sync('users', [{ externalId: 'late', accountExternalId: 'acme', email: 'late@acme.example' }]);
    expect(taken.body.responsesTaken).toBe(1);
    acmeFigures = await figuresOf(acme.accountId);
    expect(acmeFigures).toMatchObject({ total: 2, sources: ['delighted'], lastSyncedAt: lastDelivery });

    // Another source's import moves only the figures that count its responses; with two sources, the freshest wins.
    const imported = await importCsv('csv', `email,score,respondedAt\ng1@globex.example,8,${hoursAgo(5).toISOString()}\n`);
    expect((await figuresOf(acme.accountId)).lastSyncedAt).toBe(lastDelivery);
    const globexFigures = await figuresOf(globex.accountId);
    expect(globexFigures.sources).toEqual(['csv', 'delighted']);
    expectWithin(globexFigures.lastSyncedAt, imported);
  });
});
