import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { FIRST_OWNERSHIP_FROM, syncAccounts } from '../../../ingest/sync/sync-accounts.ts';
import { syncCsms } from '../../../ingest/sync/sync-csms.ts';
import { accountRecord, csmRecord } from '../../fixtures/sync-records.ts';
import { describeEachBackend } from '../../helpers/test-database.ts';

const day1 = new Date('2026-03-01T12:00:00Z');
const day2 = new Date('2026-03-02T12:00:00Z');
const day3 = new Date('2026-03-03T12:00:00Z');

describeEachBackend('syncAccounts', (db) => {
  const seedCsms = () =>
    syncCsms(db().kysely, [csmRecord({ externalId: 'ann' }), csmRecord({ externalId: 'bo' })], { now: day1 });

  const ownershipOf = (accountExternalId: string) =>
    db()
      .kysely.selectFrom('account_ownership as o')
      .innerJoin('accounts as a', 'a.id', 'o.account_id')
      .leftJoin('csms as c', 'c.id', 'o.csm_id')
      .select(['c.external_id as csm', 'o.valid_from', 'o.valid_to'])
      .where('a.external_id', '=', accountExternalId)
      .orderBy('o.valid_from')
      .execute();

  const accountIdOf = async (externalId: string) =>
    (await db().kysely.selectFrom('accounts').select('id').where('external_id', '=', externalId).executeTakeFirstOrThrow()).id;

  it('inserts by external id, then updates in place', async () => {
    await seedCsms();
    const acme = accountRecord({ externalId: 'acme', name: 'Acme', csmExternalId: 'ann', attributes: { plan: 'gold', seats: 40, trial: false } });
    expect(await syncAccounts(db().kysely, [acme, accountRecord({ externalId: 'globex' })], { now: day1 })).toEqual({
      received: 2,
      upserted: 2,
      rejected: [],
      ownerChanges: [],
    });
    const id = await accountIdOf('acme');

    await syncAccounts(db().kysely, [{ ...acme, name: 'Acme Inc', segment: null, attributes: { plan: 'platinum' } }], { now: day2 });
    const accounts = await db().kysely.selectFrom('accounts').selectAll().orderBy('external_id').execute();
    expect(accounts).toHaveLength(2);
    expect(accounts[0]).toMatchObject({ id, external_id: 'acme', name: 'Acme Inc', segment: null, attributes: { plan: 'platinum' }, updated_at: day2 });
    expect(accounts[1]).toMatchObject({ external_id: 'globex', csm_id: null, attributes: {} });
  });

  it('rejects an account whose CSM is unknown, naming the CSM, and upserts the rest', async () => {
    await seedCsms();
    const result = await syncAccounts(
      db().kysely,
      [accountRecord({ externalId: 'acme', csmExternalId: 'ghost' }), accountRecord({ externalId: 'globex', csmExternalId: 'bo' })],
      { now: day1 },
    );
    expect(result.upserted).toBe(1);
    expect(result.rejected).toEqual([
      {
        index: 0,
        externalId: 'acme',
        issues: [{ path: 'csmExternalId', message: 'no CSM with external id "ghost" is known to this instance' }],
      },
    ]);
    expect(await db().kysely.selectFrom('accounts').select('external_id').execute()).toEqual([{ external_id: 'globex' }]);
  });

  it('starts a new account’s ownership in the far past, so earlier responses go to its first owner', async () => {
    await seedCsms();
    await syncAccounts(db().kysely, [accountRecord({ externalId: 'acme', csmExternalId: 'ann' })], { now: day1 });
    expect(await ownershipOf('acme')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);
  });

  it('closes the open interval and opens the new owner’s when the CSM changes; the same owner changes nothing', async () => {
    await seedCsms();
    const acme = accountRecord({ externalId: 'acme', csmExternalId: 'ann' });
    await syncAccounts(db().kysely, [acme, accountRecord({ externalId: 'globex', csmExternalId: 'ann' })], { now: day1 });

    const unchanged = await syncAccounts(db().kysely, [acme], { now: day2 });
    expect(unchanged.ownerChanges).toEqual([]);
    expect(await ownershipOf('acme')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);

    const changed = await syncAccounts(db().kysely, [{ ...acme, csmExternalId: 'bo' }], { now: day2 });
    expect(changed.ownerChanges.map((change) => change.accountId)).toEqual([await accountIdOf('acme')]);
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: day2 },
      { csm: 'bo', valid_from: day2, valid_to: null },
    ]);

    // No CSM is an owner change too: the account is unowned from then on.
    await syncAccounts(db().kysely, [{ ...acme, csmExternalId: null }], { now: day3 });
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: day2 },
      { csm: 'bo', valid_from: day2, valid_to: day3 },
      { csm: null, valid_from: day3, valid_to: null },
    ]);
    expect(await ownershipOf('globex')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);
  });

  it('reassigns, rather than closes, an interval that starts at the same instant', async () => {
    await seedCsms();
    const acme = accountRecord({ externalId: 'acme', csmExternalId: 'ann' });
    await syncAccounts(db().kysely, [acme], { now: day1 });
    await syncAccounts(db().kysely, [{ ...acme, csmExternalId: 'bo' }], { now: day2 });
    await syncAccounts(db().kysely, [{ ...acme, csmExternalId: null }], { now: day2 });
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: day2 },
      { csm: null, valid_from: day2, valid_to: null },
    ]);
  });

  it('backdates a handover recorded late: the intervals move, the responses given since are re-credited, the change is recorded', async () => {
    await seedCsms();
    const k = db().kysely;
    const acme = accountRecord({ externalId: 'acme', csmExternalId: 'ann' });
    await syncAccounts(k, [acme], { now: day1 });
    const accountId = await accountIdOf('acme');
    const user = await k.insertInto('users').values({ external_id: 'u1', account_id: accountId, email: 'u1@acme.example' }).returning('id').executeTakeFirstOrThrow();
    const ann = (await k.selectFrom('csms').select('id').where('external_id', '=', 'ann').executeTakeFirstOrThrow()).id;
    const bo = (await k.selectFrom('csms').select('id').where('external_id', '=', 'bo').executeTakeFirstOrThrow()).id;
    const respondedAt = ['2026-02-20T09:00:00Z', '2026-02-26T09:00:00Z', '2026-02-28T09:00:00Z', '2026-03-02T09:00:00Z'].map((at) => new Date(at));
    for (const [i, at] of respondedAt.entries()) {
      await k.insertInto('nps_responses').values({ user_id: user.id, account_id: accountId, csm_id: ann, score: 3, responded_at: at, received_at: at, source: 'csv', source_response_id: `r${i}` }).execute();
    }
    const creditOf = async () => (await k.selectFrom('nps_responses').select('csm_id').orderBy('responded_at').execute()).map((r) => r.csm_id);

    // Recorded on day 3; bo took over on 25 February.
    const handover = new Date('2026-02-25T00:00:00Z');
    const result = await syncAccounts(k, [{ ...acme, csmExternalId: 'bo', csmEffectiveFrom: handover.toISOString() }], { now: day3, recordedBy: 'ops admin' });
    expect(result.ownerChanges).toEqual([{ accountId, csmId: bo, previousCsmId: ann, effectiveFrom: handover, recreditedResponses: 3 }]);
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: handover },
      { csm: 'bo', valid_from: handover, valid_to: null },
    ]);
    expect(await creditOf()).toEqual([ann, bo, bo, bo]);
    const recorded = await k.selectFrom('account_owner_changes').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    expect(recorded.map(({ csm_id, previous_csm_id, effective_from, recorded_at, recorded_by, recredited_responses }) => ({ csm_id, previous_csm_id, effective_from, recorded_at, recorded_by, recredited_responses }))).toEqual([
      { csm_id: ann, previous_csm_id: null, effective_from: FIRST_OWNERSHIP_FROM, recorded_at: day1, recorded_by: 'sync', recredited_responses: 0 },
      { csm_id: bo, previous_csm_id: ann, effective_from: handover, recorded_at: day3, recorded_by: 'ops admin', recredited_responses: 3 },
    ]);

    // It was 27 February after all. The same owner from a later time changes nothing (bo holds the
    // account then already): ann is given it back from the 25th, then bo from the 27th.
    const corrected = new Date('2026-02-27T00:00:00Z');
    const again = await syncAccounts(k, [{ ...acme, csmExternalId: 'bo', csmEffectiveFrom: corrected.toISOString() }], { now: day3 });
    expect(again.ownerChanges).toEqual([]);
    const backToAnn = await syncAccounts(k, [{ ...acme, csmExternalId: 'ann', csmEffectiveFrom: handover.toISOString() }], { now: day3 });
    expect(backToAnn.ownerChanges[0]).toMatchObject({ csmId: ann, previousCsmId: bo, recreditedResponses: 3 });
    expect(await ownershipOf('acme')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);
    await syncAccounts(k, [{ ...acme, csmExternalId: 'bo', csmEffectiveFrom: corrected.toISOString() }], { now: day3 });
    expect(await creditOf()).toEqual([ann, ann, bo, bo]);

    // Recorded late without a date, then corrected with one: the earlier date wins.
    await syncAccounts(k, [{ ...acme, csmExternalId: 'ann' }], { now: day3 });
    const moved = await syncAccounts(k, [{ ...acme, csmExternalId: 'ann', csmEffectiveFrom: '2026-02-21' }], { now: day3 });
    expect(moved.ownerChanges[0]).toMatchObject({ csmId: ann, previousCsmId: ann, effectiveFrom: new Date('2026-02-21T00:00:00Z'), recreditedResponses: 2 });
    expect(await creditOf()).toEqual([ann, ann, ann, ann]);
  });

  it('refuses a handover dated in the future, at its field', async () => {
    await seedCsms();
    const result = await syncAccounts(db().kysely, [accountRecord({ externalId: 'acme', csmExternalId: 'ann', csmEffectiveFrom: '2026-03-05' })], { now: day1 });
    expect(result.upserted).toBe(0);
    expect(result.rejected[0]!.issues).toEqual([
      { path: 'csmEffectiveFrom', message: 'is in the future (2026-03-05T00:00:00.000Z); a handover is recorded when it has happened' },
    ]);
  });

  it('leaves nothing half-written when the database rejects part of the batch', async () => {
    await seedCsms();
    await syncAccounts(db().kysely, [accountRecord({ externalId: 'acme', name: 'Acme', csmExternalId: 'ann' })], { now: day1 });
    // Fails the ownership statement, which runs after the accounts were upserted.
    await sql`
      create function refuse_ownership() returns trigger language plpgsql as $$
      begin raise exception 'ownership refused'; end $$
    `.execute(db().kysely);
    await sql`create trigger refuse_ownership before insert on account_ownership for each row execute function refuse_ownership()`.execute(db().kysely);
    try {
      await expect(
        syncAccounts(
          db().kysely,
          [accountRecord({ externalId: 'acme', name: 'Acme Renamed', csmExternalId: 'bo' }), accountRecord({ externalId: 'globex' })],
          { now: day2 },
        ),
      ).rejects.toThrow(/ownership refused/);
    } finally {
      await sql`drop trigger refuse_ownership on account_ownership`.execute(db().kysely);
      await sql`drop function refuse_ownership()`.execute(db().kysely);
    }
    expect(await db().kysely.selectFrom('accounts').select(['external_id', 'name']).execute()).toEqual([{ external_id: 'acme', name: 'Acme' }]);
    expect(await ownershipOf('acme')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);
  });
});
