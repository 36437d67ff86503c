import fc from 'fast-check';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { accountNpsSnapshots, computeAccountNps, refreshStandardSnapshots } from '../../db/queries/account-nps.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { tallyResponses } from '../../nps/counts.ts';
import { npsMarginOfError } from '../../nps/margin-of-error.ts';
import { npsScore } from '../../nps/score.ts';
import { resolveWindow } from '../../nps/windows.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const settings = { now, timeZone: 'Europe/Paris', counting: 'every_response' as const };

describeEachBackend('account NPS', (db) => {
  it('is undefined, not 0, for an account without responses, and counts each category', async () => {
    const k = db().kysely;
    const quiet = await seedAccount(k);
    const busy = await seedAccount(k, { users: ['a@busy.example', 'b@busy.example', 'c@busy.example'] });
    await storeBatch(k, 'delighted', [
      validItem({ email: 'a@busy.example', score: 10, respondedAt: new Date('2026-11-02T09:00:00Z') }),
      validItem({ email: 'b@busy.example', score: 8, respondedAt: new Date('2026-11-03T09:00:00Z') }),
      validItem({ email: 'c@busy.example', score: 2, respondedAt: new Date('2026-11-04T09:00:00Z') }),
    ], now);
    await storeBatch(k, 'wootric', [
      validItem({ email: 'a@busy.example', score: 9, respondedAt: new Date('2026-11-05T09:00:00Z') }),
      validItem({ email: 'c@busy.example', score: 9, respondedAt: new Date('2026-11-06T09:00:00Z'), excluded: true }),
    ], now);
    const window = resolveWindow({ kind: 'this_month' }, settings);
    const rows = await computeAccountNps(k, [window], [quiet.accountId, busy.accountId], 'every_response');
    const byAccount = new Map(rows.map((r) => [r.account_id, r]));
    expect(byAccount.get(quiet.accountId)).toMatchObject({ total: 0, nps: null, margin_of_error: null, sources: [], last_response_at: null });
    const busyRow = byAccount.get(busy.accountId)!;
    expect(busyRow).toMatchObject({ promoters: 2, passives: 1, detractors: 1, total: 4, nps: 25, sources: ['delighted', 'wootric'] });
    expect(busyRow.margin_of_error).toBeCloseTo(npsMarginOfError({ promoters: 2, passives: 1, detractors: 1 })!.margin, 9);
    expect(busyRow.last_response_at).toEqual(new Date('2026-11-05T09:00:00Z'));
  });

  it('puts month edges where the configured time zone puts them', async () => {
    const k = db().kysely;
    const { accountId } = await seedAccount(k, { users: ['edge@acme.example'] });
    // 23:30 UTC on 31 October is already 1 November in Paris (UTC+1 after the DST change).
    await storeBatch(k, 'csv', [validItem({ email: 'edge@acme.example', score: 0, respondedAt: new Date('2026-10-31T23:30:00Z') })], now);
    const paris = await computeAccountNps(k, [resolveWindow({ kind: 'this_month' }, settings)], [accountId], 'every_response');
    const utc = await computeAccountNps(k, [resolveWindow({ kind: 'this_month' }, { now, timeZone: 'UTC' })], [accountId], 'every_response');
    expect(paris[0]!.total).toBe(1);
    expect(utc[0]!.total).toBe(0);
  });

  it('counts only each user\'s latest response in the window when asked to', async () => {
    const k = db().kysely;
    const { accountId } = await seedAccount(k, { users: ['u@acme.example'] });
    await storeBatch(k, 'generic', [
      validItem({ email: 'u@acme.example', score: 2, respondedAt: new Date('2026-11-02T00:00:00Z') }),
      validItem({ email: 'u@acme.example', score: 10, respondedAt: new Date('2026-11-20T00:00:00Z') }),
    ], now);
    const window = resolveWindow({ kind: 'this_month' }, settings);
    const [every] = await computeAccountNps(k, [window], [accountId], 'every_response');
    const [latest] = await computeAccountNps(k, [window], [accountId], 'latest_per_user');
    expect(every).toMatchObject({ total: 2, nps: 0 });
    expect(latest).toMatchObject({ total: 1, promoters: 1, nps: 100 });
  });

  it('stores snapshots for the standard windows of the touched accounts only', async () => {
    const k = db().kysely;
    const touched = await seedAccount(k, { users: ['t@acme.example'] });
    const untouched = await seedAccount(k);
    await storeBatch(k, 'generic', [validItem({ email: 't@acme.example', score: 10, respondedAt: new Date('2026-11-20T00:00:00Z') })], now);
    const written = await refreshStandardSnapshots(k, [touched.accountId], settings);
    expect(written).toBe(7);
    const snapshots = await accountNpsSnapshots(k, touched.accountId);
    expect(snapshots.map((s) => s.window_key).sort()).toEqual(
      ['last_30_days', 'last_90_days', 'last_month', 'last_quarter', 'this_month', 'this_quarter', 'year_to_date'].sort(),
    );
    expect(snapshots.find((s) => s.window_key === 'this_month')).toMatchObject({ total: 1, nps: 100, counting: 'every_response', computed_at: now });
    expect(snapshots.find((s) => s.window_key === 'last_month')).toMatchObject({ total: 0, nps: null });
    expect(await accountNpsSnapshots(k, untouched.accountId)).toEqual([]);

    await storeBatch(k, 'generic', [validItem({ email: 't@acme.example', score: 0, respondedAt: new Date('2026-11-21T00:00:00Z') })], now);
    await refreshStandardSnapshots(k, [touched.accountId], settings);
    const again = await accountNpsSnapshots(k, touched.accountId);
    expect(again.find((s) => s.window_key === 'this_month')).toMatchObject({ total: 2, nps: 0 });
  });

  it('gives the statement more work_mem only for a refresh of all (or many) accounts, within the caller\'s transaction', async () => {
    const k = db().kysely;
    const { accountId } = await seedAccount(k);
    const workMem = sql<{ work_mem: string }>`select current_setting('work_mem') as work_mem`;
    const [before] = (await workMem.execute(k)).rows;
    const seen = await k.transaction().execute(async (trx) => {
      await refreshStandardSnapshots(trx, [accountId], settings);
      const [afterSome] = (await workMem.execute(trx)).rows;
      await refreshStandardSnapshots(trx, 'all', settings);
      const [afterAll] = (await workMem.execute(trx)).rows;
      return [afterSome, afterAll];
    });
    expect(seen).toEqual([before, { work_mem: '64MB' }]);
  });

  it('agrees with the reference maths in nps/ on random data', async () => {
    const k = db().kysely;
    const { accountId, users } = await seedAccount(k, { users: ['r1@acme.example', 'r2@acme.example', 'r3@acme.example'] });
    const windows = [resolveWindow({ kind: 'last_days', days: 90 }, settings), resolveWindow({ kind: 'this_quarter' }, settings)];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            user: fc.integer({ min: 0, max: 2 }),
            score: fc.integer({ min: 0, max: 10 }),
            daysAgo: fc.integer({ min: 0, max: 200 }),
          }),
          { maxLength: 40 },
        ),
        fc.constantFrom('every_response' as const, 'latest_per_user' as const),
        async (generated, counting) => {
          await k.deleteFrom('nps_responses').execute();
          const responses = generated.map((g, i) => ({
            email: users[g.user]!.email,
            score: g.score,
            sourceResponseId: `p-${i}`,
            respondedAt: new Date(now.getTime() - g.daysAgo * 86_400_000 - i * 1000),
          }));
          await storeBatch(k, 'generic', responses.map((r) => validItem(r)), now);
          const rows = await computeAccountNps(k, windows, [accountId], counting);
          for (const window of windows) {
            const inWindow = responses
              .filter((r) => r.respondedAt >= window.start && r.respondedAt < window.end)
              .map((r) => ({ userId: r.email, score: r.score, respondedAt: r.respondedAt }));
            const expected = tallyResponses(inWindow, counting);
            const row = rows.find((r) => r.window_key === window.key)!;
            expect({ promoters: row.promoters, passives: row.passives, detractors: row.detractors }).toEqual(expected);
            const score = npsScore(expected);
            if (score === null) expect(row.nps).toBeNull();
            else expect(row.nps).toBeCloseTo(score, 9);
            const margin = npsMarginOfError(expected);
            if (margin === null) expect(row.margin_of_error).toBeNull();
            else expect(row.margin_of_error).toBeCloseTo(margin.margin, 9);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
