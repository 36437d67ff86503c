import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { syncAccounts } from '../../ingest/sync/sync-accounts.ts';
import { syncCsms } from '../../ingest/sync/sync-csms.ts';
import { accountRecord, csmRecord } from '../fixtures/sync-records.ts';
import { bearer, createRoleTokens, createTestApi, expectRefusedUnlessRole } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describeEachBackend('account ownership API', (db) => {
  it('shows who owned an account when, and who recorded each change', async () => {
    const k = db().kysely;
    const day1 = new Date('2026-03-01T12:00:00Z');
    const day9 = new Date('2026-03-09T12:00:00Z');
    await syncCsms(k, [csmRecord({ externalId: 'ann', email: 'ann@cs.example', name: 'Ann' }), csmRecord({ externalId: 'bo', email: 'bo@cs.example', name: 'Bo' })], { now: day1 });
    const acme = accountRecord({ externalId: 'acme', name: 'Acme', csmExternalId: 'ann' });
    await syncAccounts(k, [acme], { now: day1, recordedBy: 'hubspot sync' });
    await syncAccounts(k, [{ ...acme, csmExternalId: 'bo', csmEffectiveFrom: '2026-03-05' }], { now: day9, recordedBy: 'ops admin' });
    const { id } = await k.selectFrom('accounts').select('id').where('external_id', '=', 'acme').executeTakeFirstOrThrow();
    const csms = await k.selectFrom('csms').select(['id', 'name', 'email']).orderBy('name').execute();
    const [ann, bo] = csms;
    const tokens = await createRoleTokens(k, bo!.id);
    app = await createTestApi(k);
    await expectRefusedUnlessRole(app, tokens, { method: 'GET', url: `/accounts/${id}/ownership` }, ['admin', 'csm']);

    const response = await app.inject({ method: 'GET', url: `/accounts/${id}/ownership`, headers: bearer(tokens.csm) });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      account: { id, externalId: 'acme', name: 'Acme', segment: 'mid-market', csm: bo },
      intervals: [
        { csm: ann, from: '1970-01-01T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z' },
        { csm: bo, from: '2026-03-05T00:00:00.000Z', to: null },
      ],
      changes: [
        { csm: bo, previousCsm: ann, effectiveFrom: '2026-03-05T00:00:00.000Z', recordedAt: day9.toISOString(), recordedBy: 'ops admin', recreditedResponses: 0 },
        { csm: ann, previousCsm: null, effectiveFrom: '1970-01-01T00:00:00.000Z', recordedAt: day1.toISOString(), recordedBy: 'hubspot sync', recreditedResponses: 0 },
      ],
    });
    // A CSM who does not own the account now does not see it.
    const annToken = await createRoleTokens(k, ann!.id);
    expect((await app.inject({ method: 'GET', url: `/accounts/${id}/ownership`, headers: bearer(annToken.csm) })).statusCode).toBe(404);
  });
});
