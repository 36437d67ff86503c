import { expect, it } from 'vitest';
import { syncAccounts } from '../../../ingest/sync/sync-accounts.ts';
import { syncTickets } from '../../../ingest/sync/sync-tickets.ts';
import { accountRecord, ticketRecord } from '../../fixtures/sync-records.ts';
import { describeEachBackend } from '../../helpers/test-database.ts';

const now = new Date('2026-03-05T12:00:00Z');

describeEachBackend('syncTickets', (db) => {
  const tickets = () =>
    db()
      .kysely.selectFrom('tickets as t')
      .innerJoin('accounts as a', 'a.id', 't.account_id')
      .select(['t.id', 't.external_id', 'a.external_id as account', 't.priority', 't.status', 't.subject', 't.opened_at', 't.resolved_at'])
      .orderBy('t.external_id')
      .execute();

  it('inserts by external id, then updates in place', async () => {
    await syncAccounts(db().kysely, [accountRecord({ externalId: 'acme' })], { now });
    const acme = await db().kysely.selectFrom('accounts').select('id').where('external_id', '=', 'acme').executeTakeFirstOrThrow();
    const outage = ticketRecord({ externalId: 'T-1', accountExternalId: 'acme', priority: 'Critical', subject: 'Outage', openedAt: '2026-03-02T09:00:00+01:00' });
    const first = await syncTickets(db().kysely, [outage, ticketRecord({ externalId: 'T-2', accountExternalId: 'acme' })], { now });
    expect(first).toEqual({ received: 2, upserted: 2, rejected: [], accountIds: [acme.id] });
    const [before] = await tickets();
    expect(before).toMatchObject({ priority: 'critical', status: 'open', opened_at: new Date('2026-03-02T08:00:00Z'), resolved_at: null });

    await syncTickets(db().kysely, [{ ...outage, status: 'solved', resolvedAt: '2026-03-03' }], { now });
    const after = await tickets();
    expect(after).toHaveLength(2);
    expect(after[0]).toEqual({ ...before, status: 'solved', resolved_at: new Date('2026-03-03T00:00:00Z') });
  });

  it('rejects bad values and unknown accounts, each with its field, and upserts the rest', async () => {
    await syncAccounts(db().kysely, [accountRecord({ externalId: 'acme' })], { now });
    const result = await syncTickets(
      db().kysely,
      [
        ticketRecord({ externalId: 'T-1', accountExternalId: 'acme' }),
        ticketRecord({ externalId: 'T-2', accountExternalId: 'initech' }),
        ticketRecord({ externalId: 'T-3', accountExternalId: 'acme', openedAt: '2026-03-02', resolvedAt: '2026-03-01T23:00:00Z' }),
        ticketRecord({ externalId: 'T-4', accountExternalId: 'acme', priority: 'urgent', openedAt: 'yesterday' }),
      ],
      { now },
    );
    expect(result.upserted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 1, externalId: 'T-2', issues: [{ path: 'accountExternalId', message: 'no account with external id "initech" is known to this instance' }] },
      { index: 2, externalId: 'T-3', issues: [{ path: 'resolvedAt', message: 'is before openedAt' }] },
      {
        index: 3,
        externalId: 'T-4',
        issues: [
          { path: 'priority', message: 'must be one of low, normal, high, critical' },
          { path: 'openedAt', message: 'must be an ISO 8601 date such as 2026-03-01 or 2026-03-01T09:30:00Z' },
        ],
      },
    ]);
    expect((await tickets()).map((t) => t.external_id)).toEqual(['T-1']);
  });
});
