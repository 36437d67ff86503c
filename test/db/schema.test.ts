import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/test-database.ts';

describeEachBackend('schema', (db) => {
  it('checks scores in the database and derives the category', async () => {
    const k = db().kysely;
    const csm = await k.insertInto('csms').values({ external_id: 'c1', email: 'ann@cs.example', name: 'Ann' }).returning('id').executeTakeFirstOrThrow();
    const account = await k.insertInto('accounts').values({ external_id: 'a1', name: 'Acme', csm_id: csm.id }).returning('id').executeTakeFirstOrThrow();
    const user = await k.insertInto('users').values({ external_id: 'u1', account_id: account.id, email: 'bo@acme.example' }).returning('id').executeTakeFirstOrThrow();
    const base = { user_id: user.id, account_id: account.id, csm_id: csm.id, responded_at: new Date('2026-01-01T00:00:00Z'), received_at: new Date(), source: 'test' };
    const rows = await k
      .insertInto('nps_responses')
      .values([0, 6, 7, 8, 9, 10].map((score) => ({ ...base, score, source_response_id: `r${score}` })))
      .returning(['score', 'category'])
      .execute();
    expect(rows.map((r) => `${r.score}:${r.category}`)).toEqual([
      '0:detractor', '6:detractor', '7:passive', '8:passive', '9:promoter', '10:promoter',
    ]);
    await expect(k.insertInto('nps_responses').values({ ...base, score: 11, source_response_id: 'bad' }).execute()).rejects.toThrow(/check/i);
    await expect(k.insertInto('nps_responses').values({ ...base, score: -1, source_response_id: 'bad' }).execute()).rejects.toThrow(/check/i);
    await expect(k.insertInto('nps_responses').values({ ...base, score: 9, source_response_id: 'r9' }).execute()).rejects.toThrow(/unique|duplicate/i);
  });

  it('keeps emails lower-cased and unique', async () => {
    const k = db().kysely;
    const account = await k.insertInto('accounts').values({ external_id: 'a1', name: 'Acme' }).returning('id').executeTakeFirstOrThrow();
    await expect(k.insertInto('users').values({ external_id: 'u1', account_id: account.id, email: 'Bo@Acme.example' }).execute()).rejects.toThrow(/check/i);
    await k.insertInto('users').values({ external_id: 'u1', account_id: account.id, email: 'bo@acme.example' }).execute();
    await expect(k.insertInto('users').values({ external_id: 'u2', account_id: account.id, email: 'bo@acme.example' }).execute()).rejects.toThrow(/unique|duplicate/i);
  });

  it('records the migration', async () => {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db().kysely);
    expect(rows.map((r) => r.name)).toEqual(['2026-11-24T12-00-00_initial-schema', '2026-11-24T14-00-00_rules-health-lists', '2026-11-24T15-00-00_emails', '2026-11-24T15-30-00_journeys-tasks', '2026-11-24T16-00-00_review-link-clicks', '2026-11-24T16-30-00_response-workflow-starts', '2026-11-29T12-00-00_api-tokens-webhook-events', '2026-12-04T14-00-00_response-workflow-start-leases', '2026-12-04T22-00-00_account-owner-changes', '2026-12-04T22-30-00_goals', '2026-12-05T01-00-00_emails-people-act-on', '2026-12-05T03-30-00_web-sign-in', '2026-12-05T06-00-00_journey-versions', '2026-12-05T07-00-00_derived-state-changes']);
  });
});
