import { expect, it } from 'vitest';
import { syncAccounts } from '../../../ingest/sync/sync-accounts.ts';
import { syncUsers } from '../../../ingest/sync/sync-users.ts';
import { accountRecord, userRecord } from '../../fixtures/sync-records.ts';
import { describeEachBackend } from '../../helpers/test-database.ts';

const now = new Date('2026-03-01T12:00:00Z');

describeEachBackend('syncUsers', (db) => {
  const seedAccounts = () =>
    syncAccounts(db().kysely, [accountRecord({ externalId: 'acme' }), accountRecord({ externalId: 'globex' })], { now });

  const users = () =>
    db()
      .kysely.selectFrom('users as u')
      .innerJoin('accounts as a', 'a.id', 'u.account_id')
      .select(['u.id', 'u.external_id', 'u.email', 'u.name', 'u.role', 'u.persona', 'u.attributes', 'a.external_id as account'])
      .orderBy('u.external_id')
      .execute();

  it('inserts by external id, then updates in place', async () => {
    await seedAccounts();
    const bo = userRecord({ externalId: 'bo', accountExternalId: 'acme', email: 'bo@acme.example', persona: 'champion', attributes: { seats: 3 } });
    const first = await syncUsers(db().kysely, [bo, userRecord({ externalId: 'cy', accountExternalId: 'acme', email: 'cy@acme.example' })], { now });
    expect(first).toEqual({ received: 2, upserted: 2, rejected: [], emails: ['bo@acme.example', 'cy@acme.example'] });
    const [before] = await users();

    await syncUsers(db().kysely, [{ ...bo, accountExternalId: 'globex', role: undefined, attributes: { seats: 5 } }], { now });
    const after = await users();
    expect(after).toHaveLength(2);
    expect(after[0]).toEqual({ ...before, account: 'globex', role: null, attributes: { seats: 5 } });
  });

  it('stores emails lower-cased and rejects one that another user has, in the batch or already', async () => {
    await seedAccounts();
    const first = await syncUsers(
      db().kysely,
      [
        userRecord({ externalId: 'bo', accountExternalId: 'acme', email: '  Bo@Acme.COM ' }),
        userRecord({ externalId: 'bo-twin', accountExternalId: 'acme', email: 'BO@acme.com' }),
      ],
      { now },
    );
    expect(first).toMatchObject({ upserted: 1, emails: ['bo@acme.com'] });
    expect(first.rejected).toEqual([
      {
        index: 1,
        externalId: 'bo-twin',
        issues: [{ path: 'email', message: 'bo@acme.com is used by an earlier record of this batch (index 0)' }],
      },
    ]);

    const second = await syncUsers(db().kysely, [userRecord({ externalId: 'bo-twin', accountExternalId: 'acme', email: 'BO@acme.com' })], { now });
    expect(second).toMatchObject({ upserted: 0, emails: [] });
    expect(second.rejected[0]?.issues).toEqual([
      { path: 'email', message: 'bo@acme.com already belongs to the user with external id "bo"' },
    ]);
    expect((await users()).map((u) => [u.external_id, u.email])).toEqual([['bo', 'bo@acme.com']]);
  });

  it('lets a user keep their own email when it is written differently', async () => {
    await seedAccounts();
    await syncUsers(db().kysely, [userRecord({ externalId: 'bo', accountExternalId: 'acme', email: 'bo@acme.com' })], { now });
    const result = await syncUsers(db().kysely, [userRecord({ externalId: 'bo', accountExternalId: 'acme', email: 'BO@ACME.COM' })], { now });
    expect(result).toMatchObject({ upserted: 1, rejected: [], emails: ['bo@acme.com'] });
  });

  it('rejects a user of an unknown account, naming it, and upserts the rest', async () => {
    await seedAccounts();
    const result = await syncUsers(
      db().kysely,
      [
        userRecord({ externalId: 'ok', accountExternalId: 'acme' }),
        userRecord({ externalId: 'lost', accountExternalId: 'initech' }),
        userRecord({ externalId: 'bad', accountExternalId: 'acme', email: 'nope', attributes: { nested: { a: 1 } as never } }),
      ],
      { now },
    );
    expect(result).toMatchObject({ received: 3, upserted: 1 });
    expect(result.rejected).toEqual([
      {
        index: 1,
        externalId: 'lost',
        issues: [{ path: 'accountExternalId', message: 'no account with external id "initech" is known to this instance' }],
      },
      {
        index: 2,
        externalId: 'bad',
        issues: [
          { path: 'email', message: 'must be an email address' },
          { path: 'attributes.nested', message: 'must be text, a number, true, false or null' },
        ],
      },
    ]);
    expect((await users()).map((u) => u.external_id)).toEqual(['ok']);
  });

  it('writes inside the caller’s transaction when given one', async () => {
    await seedAccounts();
    await expect(
      db()
        .kysely.transaction()
        .execute(async (trx) => {
          await syncUsers(trx, [userRecord({ externalId: 'bo', accountExternalId: 'acme' })], { now });
          expect(await trx.selectFrom('users').select('external_id').execute()).toEqual([{ external_id: 'bo' }]);
          throw new Error('caller gives up');
        }),
    ).rejects.toThrow('caller gives up');
    expect(await users()).toEqual([]);
  });

  it('upserts a batch larger than one statement’s bind parameters allow', async () => {
    await seedAccounts();
    // 8 columns a row: 10,000 rows need 80,000 parameters, over PostgreSQL's 65,535.
    const records = Array.from({ length: 10_000 }, (_, i) => userRecord({ externalId: `bulk-${i}`, accountExternalId: 'acme' }));
    const result = await syncUsers(db().kysely, records, { now });
    expect(result).toMatchObject({ received: 10_000, upserted: 10_000, rejected: [] });
    const { count } = await db().kysely.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(10_000);
  });
});
