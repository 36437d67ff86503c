import { expect, it } from 'vitest';
import { syncCsms } from '../../../ingest/sync/sync-csms.ts';
import { csmRecord } from '../../fixtures/sync-records.ts';
import { describeEachBackend } from '../../helpers/test-database.ts';

const now = new Date('2026-03-01T12:00:00Z');

describeEachBackend('syncCsms', (db) => {
  const csmsByExternalId = async () => {
    const rows = await db()
      .kysely.selectFrom('csms as c')
      .leftJoin('csms as m', 'm.id', 'c.manager_id')
      .select(['c.id', 'c.external_id', 'c.email', 'c.name', 'c.updated_at', 'm.external_id as manager'])
      .execute();
    return new Map(rows.map((row) => [row.external_id, row]));
  };

  it('inserts by external id, then updates in place', async () => {
    const ann = csmRecord({ externalId: 'ann', email: 'Ann@CS.example', name: 'Ann' });
    const first = await syncCsms(db().kysely, [ann, csmRecord({ externalId: 'bo' })], { now });
    expect(first).toEqual({ received: 2, upserted: 2, rejected: [] });
    const before = await csmsByExternalId();

    const later = new Date('2026-03-02T12:00:00Z');
    const second = await syncCsms(db().kysely, [{ ...ann, name: 'Ann Smith' }], { now: later });
    expect(second).toEqual({ received: 1, upserted: 1, rejected: [] });
    const after = await csmsByExternalId();
    expect(after.size).toBe(2);
    expect(after.get('ann')).toMatchObject({ id: before.get('ann')?.id, email: 'ann@cs.example', name: 'Ann Smith', updated_at: later });
    expect(after.get('bo')).toEqual(before.get('bo'));
  });

  it('takes a manager from the same batch, even one listed after the CSM, or one already stored', async () => {
    await syncCsms(db().kysely, [csmRecord({ externalId: 'vp' })], { now });
    const result = await syncCsms(
      db().kysely,
      [
        csmRecord({ externalId: 'ann', managerExternalId: 'lead' }),
        csmRecord({ externalId: 'lead', managerExternalId: 'vp' }),
      ],
      { now },
    );
    expect(result.rejected).toEqual([]);
    const csms = await csmsByExternalId();
    expect(csms.get('ann')?.manager).toBe('lead');
    expect(csms.get('lead')?.manager).toBe('vp');
    expect(csms.get('vp')?.manager).toBeNull();
  });

  it('clears a manager the record no longer names', async () => {
    await syncCsms(db().kysely, [csmRecord({ externalId: 'lead' }), csmRecord({ externalId: 'ann', managerExternalId: 'lead' })], { now });
    await syncCsms(db().kysely, [csmRecord({ externalId: 'ann', managerExternalId: null })], { now });
    expect((await csmsByExternalId()).get('ann')?.manager).toBeNull();
  });

  it('rejects an unknown manager, naming it, and upserts the rest', async () => {
    const result = await syncCsms(
      db().kysely,
      [csmRecord({ externalId: 'ann' }), csmRecord({ externalId: 'bo', managerExternalId: 'nobody' })],
      { now },
    );
    expect(result).toEqual({
      received: 2,
      upserted: 1,
      rejected: [
        {
          index: 1,
          externalId: 'bo',
          issues: [{ path: 'managerExternalId', message: 'no CSM with external id "nobody" exists or is valid in this batch' }],
        },
      ],
    });
    expect([...(await csmsByExternalId()).keys()]).toEqual(['ann']);
  });

  it('rejects a CSM whose manager was rejected in the same batch', async () => {
    const result = await syncCsms(
      db().kysely,
      [csmRecord({ externalId: 'ann', managerExternalId: 'lead' }), csmRecord({ externalId: 'lead', email: 'not an email' })],
      { now },
    );
    expect(result.upserted).toBe(0);
    expect(result.rejected).toEqual([
      { index: 0, externalId: 'ann', issues: [{ path: 'managerExternalId', message: expect.stringContaining('"lead"') }] },
      { index: 1, externalId: 'lead', issues: [{ path: 'email', message: 'must be an email address' }] },
    ]);
  });

  it('rejects self-management and manager loops, within the batch or through stored CSMs', async () => {
    await syncCsms(db().kysely, [csmRecord({ externalId: 'vp' }), csmRecord({ externalId: 'lead', managerExternalId: 'vp' })], { now });
    const result = await syncCsms(
      db().kysely,
      [
        csmRecord({ externalId: 'solo', managerExternalId: 'solo' }),
        csmRecord({ externalId: 'a', managerExternalId: 'b' }),
        csmRecord({ externalId: 'b', managerExternalId: 'a' }),
        // vp is stored as lead's manager: vp → lead → vp.
        csmRecord({ externalId: 'vp', managerExternalId: 'lead' }),
        csmRecord({ externalId: 'fine', managerExternalId: 'lead' }),
      ],
      { now },
    );
    expect(result.upserted).toBe(1);
    expect(result.rejected.map((r) => [r.externalId, r.issues[0]?.message])).toEqual([
      ['solo', 'a CSM cannot be their own manager'],
      ['a', 'managers would form a loop: "a" → "b" → "a"'],
      ['b', 'managers would form a loop: "b" → "a" → "b"'],
      ['vp', 'managers would form a loop: "vp" → "lead" → "vp"'],
    ]);
    const csms = await csmsByExternalId();
    expect(csms.get('vp')?.manager).toBeNull();
    expect(csms.get('fine')?.manager).toBe('lead');
  });

  it('rejects the later of two records with the same external id', async () => {
    const result = await syncCsms(db().kysely, [csmRecord({ externalId: 'ann' }), csmRecord({ externalId: 'ann', name: 'Other Ann' })], { now });
    expect(result.rejected).toEqual([
      { index: 1, externalId: 'ann', issues: [{ path: 'externalId', message: '"ann" appears earlier in this batch (index 0)' }] },
    ]);
    expect((await csmsByExternalId()).get('ann')?.name).not.toBe('Other Ann');
  });
});
