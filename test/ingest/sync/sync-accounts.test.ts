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
    syncCsms(db().kysely, [csmRecord({ external_id: 'ann' }), csmRecord({ external_id: 'bo' })], { now: day1 });

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
    const acme = accountRecord({ external_id: 'acme', name: 'Acme', csm_external_id: 'ann', attributes: { plan: 'gold', seats: 40, trial: false } });
    expect(await syncAccounts(db().kysely, [acme, accountRecord({ external_id: 'globex' })], { now: day1 })).toEqual({
      received: 2,
      upserted: 2,
      rejected: [],
      ownerChangedAccountIds: [],
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
      [accountRecord({ external_id: 'acme', csm_external_id: 'ghost' }), accountRecord({ external_id: 'globex', csm_external_id: 'bo' })],
      { now: day1 },
    );
    expect(result.upserted).toBe(1);
    expect(result.rejected).toEqual([
      {
        index: 0,
        externalId: 'acme',
        issues: [{ path: 'csm_external_id', message: 'no CSM with external id "ghost" is known to this instance' }],
      },
    ]);
    expect(await db().kysely.selectFrom('accounts').select('external_id').execute()).toEqual([{ external_id: 'globex' }]);
  });

  it('starts a new account’s ownership in the far past, so earlier responses go to its first owner', async () => {
    await seedCsms();
    await syncAccounts(db().kysely, [accountRecord({ external_id: 'acme', csm_external_id: 'ann' })], { now: day1 });
    expect(await ownershipOf('acme')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);
  });

  it('closes the open interval and opens the new owner’s when the CSM changes; the same owner changes nothing', async () => {
    await seedCsms();
    const acme = accountRecord({ external_id: 'acme', csm_external_id: 'ann' });
    await syncAccounts(db().kysely, [acme, accountRecord({ external_id: 'globex', csm_external_id: 'ann' })], { now: day1 });

    const unchanged = await syncAccounts(db().kysely, [acme], { now: day2 });
    expect(unchanged.ownerChangedAccountIds).toEqual([]);
    expect(await ownershipOf('acme')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);

    const changed = await syncAccounts(db().kysely, [{ ...acme, csm_external_id: 'bo' }], { now: day2 });
    expect(changed.ownerChangedAccountIds).toEqual([await accountIdOf('acme')]);
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: day2 },
      { csm: 'bo', valid_from: day2, valid_to: null },
    ]);

    // No CSM is an owner change too: the account is unowned from then on.
    await syncAccounts(db().kysely, [{ ...acme, csm_external_id: null }], { now: day3 });
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: day2 },
      { csm: 'bo', valid_from: day2, valid_to: day3 },
      { csm: null, valid_from: day3, valid_to: null },
    ]);
    expect(await ownershipOf('globex')).toEqual([{ csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: null }]);
  });

  it('reassigns, rather than closes, an interval that starts at the same instant', async () => {
    await seedCsms();
    const acme = accountRecord({ external_id: 'acme', csm_external_id: 'ann' });
    await syncAccounts(db().kysely, [acme], { now: day1 });
    await syncAccounts(db().kysely, [{ ...acme, csm_external_id: 'bo' }], { now: day2 });
    await syncAccounts(db().kysely, [{ ...acme, csm_external_id: null }], { now: day2 });
    expect(await ownershipOf('acme')).toEqual([
      { csm: 'ann', valid_from: FIRST_OWNERSHIP_FROM, valid_to: day2 },
      { csm: null, valid_from: day2, valid_to: null },
    ]);
  });

  it('leaves nothing half-written when the database rejects part of the batch', async () => {
    await seedCsms();
    await syncAccounts(db().kysely, [accountRecord({ external_id: 'acme', name: 'Acme', csm_external_id: 'ann' })], { now: day1 });
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
          [accountRecord({ external_id: 'acme', name: 'Acme Renamed', csm_external_id: 'bo' }), accountRecord({ external_id: 'globex' })],
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
