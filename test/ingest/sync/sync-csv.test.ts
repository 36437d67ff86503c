import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { syncAccounts } from '../../../ingest/sync/sync-accounts.ts';
import { parseSyncCsv, SyncCsvError } from '../../../ingest/sync/sync-csv.ts';
import { syncUsers } from '../../../ingest/sync/sync-users.ts';
import { accountRecord } from '../../fixtures/sync-records.ts';
import { describeEachBackend } from '../../helpers/test-database.ts';

const now = new Date('2026-03-01T12:00:00Z');

describe('parseSyncCsv', () => {
  it('turns rows into records with their line, attr.* columns into attributes, and empty cells into absent values', async () => {
    const csv = [
      'externalId,accountExternalId,email,name,attr.plan,attr.seats',
      'u1,acme,Bo@Acme.COM,,gold,3',
      '',
      'u2,acme,cy@acme.com,"Cy',
      'Jones",,',
      'u3,acme,di@acme.com,Di,silver,',
    ].join('\n');
    expect(await parseSyncCsv('user', csv)).toEqual({
      format: 'csv',
      rows: [
        { line: 2, record: { externalId: 'u1', accountExternalId: 'acme', email: 'Bo@Acme.COM', attributes: { plan: 'gold', seats: '3' } } },
        { line: 4, record: { externalId: 'u2', accountExternalId: 'acme', email: 'cy@acme.com', name: 'Cy\nJones' } },
        { line: 6, record: { externalId: 'u3', accountExternalId: 'acme', email: 'di@acme.com', name: 'Di', attributes: { plan: 'silver' } } },
      ],
    });
  });

  it('reads a stream', async () => {
    const csv = Readable.from(['externalId,email,na', 'me\r\nc1,ann@cs.example,Ann\r\n']);
    expect((await parseSyncCsv('csm', csv)).rows).toEqual([{ line: 2, record: { externalId: 'c1', email: 'ann@cs.example', name: 'Ann' } }]);
  });

  it('refuses a file it cannot read as a whole, with the line', async () => {
    await expect(parseSyncCsv('csm', 'externalId,email,nmae\n')).rejects.toThrow(/line 1: unknown column "nmae" for a csm/);
    await expect(parseSyncCsv('account', 'externalId,csmExternalId\n')).rejects.toThrow(/line 1: missing required column "name"/);
    // Blank lines before the header are skipped; the mistake is where the header is.
    await expect(parseSyncCsv('csm', '\n\nexternalId,email,email\n')).rejects.toThrow(/line 3: column "email" appears more than once/);
    await expect(parseSyncCsv('csm', 'externalId,email,name,attr.plan\n')).rejects.toThrow(/unknown column "attr.plan"/);
    const error = await parseSyncCsv('csm', 'externalId,email,name\nc1,a@b.example,Ann\nc2,b@b.example\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncCsvError);
    expect(error).toMatchObject({ line: 3 });
    await expect(parseSyncCsv('csm', 'externalId,email,name\nc1,a@b.example,Ann\nc2,b@b.example,Bo\n', { maxRows: 1 })).rejects.toThrow(
      /line 3: more than 1 rows/,
    );
  });
});

describeEachBackend('CSV sync', (db) => {
  it('reports a bad row with its line and column, and upserts the others', async () => {
    await syncAccounts(db().kysely, [accountRecord({ externalId: 'acme' })], { now });
    const csv = [
      'externalId,accountExternalId,email,role,attr.plan,attr.region',
      'u1,acme,Bo@Acme.COM,admin,gold,emea',
      'u2,acme,not-an-email,,silver,',
      `u3,acme,cy@acme.com,,${'x'.repeat(2_001)},`,
      'u4,initech,di@acme.com,,,',
      'u5,acme,BO@acme.com,,,',
    ].join('\n');
    const result = await syncUsers(db().kysely, await parseSyncCsv('user', csv), { now });
    expect(result).toEqual({
      received: 5,
      upserted: 1,
      emails: ['bo@acme.com'],
      rejected: [
        { index: 1, line: 3, externalId: 'u2', issues: [{ path: 'email', message: 'must be an email address' }] },
        { index: 2, line: 4, externalId: 'u3', issues: [{ path: 'attr.plan', message: 'must be at most 2000 characters' }] },
        {
          index: 3,
          line: 5,
          externalId: 'u4',
          issues: [{ path: 'accountExternalId', message: 'no account with external id "initech" is known to this instance' }],
        },
        {
          index: 4,
          line: 6,
          externalId: 'u5',
          issues: [{ path: 'email', message: 'bo@acme.com is used by an earlier record of this batch (line 2)' }],
        },
      ],
    });
    const users = await db().kysely.selectFrom('users').select(['external_id', 'email', 'role', 'attributes']).execute();
    expect(users).toEqual([{ external_id: 'u1', email: 'bo@acme.com', role: 'admin', attributes: { plan: 'gold', region: 'emea' } }]);
  });
});
