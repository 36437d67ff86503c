import { expect, it } from 'vitest';
import { replayUnknownUserResponses } from '../../ingest/replay-unknown-users.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { aResponse, seedAccount, validItem } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const receivedAt = new Date('2026-11-24T12:00:00Z');

describeEachBackend('storeBatch', (db) => {
  it('stores responses of known users, credited to the account and its CSM at the time', async () => {
    const k = db().kysely;
    const { accountId, csm } = await seedAccount(k, { users: ['Ann@Acme.example'] });
    const result = await storeBatch(k, 'generic', [validItem({ email: 'ann@acme.example', score: 3, comment: 'slow' })], receivedAt);
    expect(result).toMatchObject({ received: 1, inserted: 1, updated: 0, unchanged: 0, rejected: [], touchedAccountIds: [accountId] });
    const row = await k.selectFrom('nps_responses').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ account_id: accountId, csm_id: csm.id, score: 3, category: 'detractor', comment: 'slow', source: 'generic' });
    expect(row.received_at).toEqual(receivedAt);
  });

  it('credits the CSM who owned the account when the response was given, not the current one', async () => {
    const k = db().kysely;
    const { accountId, csm: oldCsm, users } = await seedAccount(k, { ownedSince: new Date('2020-01-01T00:00:00Z') });
    const newCsm = await k.insertInto('csms').values({ external_id: 'new', email: 'new@cs.example', name: 'New' }).returning('id').executeTakeFirstOrThrow();
    const handover = new Date('2026-10-01T00:00:00Z');
    await k.updateTable('account_ownership').set({ valid_to: handover }).where('account_id', '=', accountId).execute();
    await k.insertInto('account_ownership').values({ account_id: accountId, csm_id: newCsm.id, valid_from: handover }).execute();
    await k.updateTable('accounts').set({ csm_id: newCsm.id }).where('id', '=', accountId).execute();

    const email = users[0]!.email;
    await storeBatch(k, 'generic', [
      validItem({ email, sourceResponseId: 'before', respondedAt: new Date('2026-09-15T00:00:00Z') }),
      validItem({ email, sourceResponseId: 'after', respondedAt: new Date('2026-10-15T00:00:00Z') }),
    ], receivedAt);
    const rows = await k.selectFrom('nps_responses').select(['source_response_id', 'csm_id']).orderBy('source_response_id').execute();
    expect(rows).toEqual([
      { source_response_id: 'after', csm_id: newCsm.id },
      { source_response_id: 'before', csm_id: oldCsm.id },
    ]);
  });

  it('is idempotent: a redelivery is one row, and a later comment updates it in place', async () => {
    const k = db().kysely;
    const { users } = await seedAccount(k);
    const email = users[0]!.email;
    const created = aResponse({ email, sourceResponseId: 'd-1', score: 4 });
    const first = await storeBatch(k, 'delighted', [{ ok: true, response: created, payload: {} }], receivedAt);
    const again = await storeBatch(k, 'delighted', [{ ok: true, response: created, payload: {} }], receivedAt);
    const updated = await storeBatch(k, 'delighted', [{ ok: true, response: { ...created, comment: 'Support was slow' }, payload: {} }], receivedAt);
    const lateCreated = await storeBatch(k, 'delighted', [{ ok: true, response: created, payload: {} }], receivedAt);
    expect([first.inserted, again.inserted, updated.inserted, lateCreated.inserted]).toEqual([1, 0, 0, 0]);
    expect([again.unchanged, updated.updated, lateCreated.unchanged]).toEqual([1, 1, 1]);
    expect(again.changed).toEqual([]);
    const rows = await k.selectFrom('nps_responses').select(['score', 'comment']).execute();
    expect(rows).toEqual([{ score: 4, comment: 'Support was slow' }]);
  });

  it('merges a created and an updated event that arrive in one batch', async () => {
    const k = db().kysely;
    const { users } = await seedAccount(k);
    const base = aResponse({ email: users[0]!.email, sourceResponseId: 'x' });
    const result = await storeBatch(k, 'delighted', [
      { ok: true, response: { ...base, comment: 'great' }, payload: {} },
      { ok: true, response: base, payload: {} },
    ], receivedAt);
    expect(result.inserted).toBe(1);
    expect(await k.selectFrom('nps_responses').select('comment').execute()).toEqual([{ comment: 'great' }]);
  });

  it('logs unknown users and invalid rows with reasons without sinking the batch', async () => {
    const k = db().kysely;
    const { users } = await seedAccount(k);
    const result = await storeBatch(k, 'csv', [
      validItem({ email: users[0]!.email }, 2),
      validItem({ email: 'stranger@nowhere.example', sourceResponseId: 's-1' }, 3),
      { ok: false, issues: [{ path: 'score', message: 'must be from 0 to 10' }], payload: { score: '11' }, line: 4, sourceResponseId: 'bad-1' },
    ], receivedAt);
    expect(result.inserted).toBe(1);
    expect(result.rejected).toEqual([
      { reason: 'unknown_user', line: 3, sourceResponseId: 's-1', issues: [{ path: 'email', message: 'no user with email stranger@nowhere.example is known to this instance' }] },
      { reason: 'invalid', line: 4, sourceResponseId: 'bad-1', issues: [{ path: 'score', message: 'must be from 0 to 10' }] },
    ]);
    const rejections = await k.selectFrom('rejected_responses').select(['reason', 'line', 'payload', 'issues']).orderBy('id').execute();
    expect(rejections).toHaveLength(2);
    expect(rejections.find((r) => r.reason === 'invalid')).toMatchObject({ line: 4, payload: { score: '11' }, issues: [{ path: 'score' }] });
    expect(await k.selectFrom('nps_responses').select('id').execute()).toHaveLength(1);
    const state = await k.selectFrom('source_sync_state').selectAll().executeTakeFirstOrThrow();
    expect(state).toMatchObject({ source: 'csv', received_count: 3, accepted_count: 1, rejected_count: 2 });
    expect(state.last_synced_at).toEqual(receivedAt);
  });

  it('replays unknown-user responses once the user is synced, keeping the latest comment', async () => {
    const k = db().kysely;
    const { accountId } = await seedAccount(k);
    const stranger = aResponse({ email: 'late@acme.example', sourceResponseId: 'late-1', score: 2 });
    await storeBatch(k, 'delighted', [{ ok: true, response: stranger, payload: { first: true } }], receivedAt);
    await storeBatch(k, 'delighted', [{ ok: true, response: { ...stranger, comment: 'why' }, payload: { second: true } }], receivedAt);
    await storeBatch(k, 'delighted', [{ ok: true, response: stranger, payload: { third: true } }], receivedAt);
    expect(await k.selectFrom('rejected_responses').select('id').execute()).toHaveLength(1);

    await k.insertInto('users').values({ external_id: 'late', account_id: accountId, email: 'late@acme.example' }).execute();
    const replay = await replayUnknownUserResponses(k, ['late@acme.example'], receivedAt);
    expect(replay).toMatchObject({ replayed: 1, touchedAccountIds: [accountId] });
    const rows = await k.selectFrom('nps_responses').select(['id', 'score', 'comment', 'source_response_id']).execute();
    expect(rows).toMatchObject([{ score: 2, comment: 'why', source_response_id: 'late-1' }]);
    const rejection = await k.selectFrom('rejected_responses').selectAll().executeTakeFirstOrThrow();
    expect(rejection.replayed_response_id).toBe(rows[0]!.id);
    expect(rejection.replayed_at).toEqual(receivedAt);

    const again = await replayUnknownUserResponses(k, ['late@acme.example'], receivedAt);
    expect(again.replayed).toBe(0);
  });

  it('leaves nothing behind when the batch fails in the database', async () => {
    const k = db().kysely;
    const { users } = await seedAccount(k);
    // A score the database check refuses, in the middle of the batch.
    const bad = aResponse({ email: users[0]!.email, score: 42 });
    await expect(
      storeBatch(k, 'generic', [validItem({ email: users[0]!.email }), { ok: true, response: bad, payload: {} }, validItem({ email: 'x@unknown.example' })], receivedAt),
    ).rejects.toThrow();
    expect(await k.selectFrom('nps_responses').select('id').execute()).toEqual([]);
    expect(await k.selectFrom('rejected_responses').select('id').execute()).toEqual([]);
    expect(await k.selectFrom('source_sync_state').select('source').execute()).toEqual([]);
  });
});
