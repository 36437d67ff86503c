import { expect, it } from 'vitest';
import { accountNpsSnapshots } from '../../db/queries/account-nps.ts';
import { userTimeline } from '../../db/queries/user-timeline.ts';
import { userIdByEmail } from '../../db/queries/users.ts';
import { ingestPayloads, type IngestSettings } from '../../ingest/ingest-payloads.ts';
import { syncInstance } from '../../ingest/sync-instance.ts';
import {
  askNicelyPayload,
  delightedCommentUpdate,
  delightedEvent,
  delightedUnsubscribe,
  genericResponse,
  retentlyPayload,
  wootricDeclineEvent,
  wootricResponseEvent,
} from '../fixtures/vendor-payloads.ts';
import { accountRecord, csmRecord, userRecord } from '../fixtures/sync-records.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const settings: IngestSettings = { now: new Date('2026-03-15T12:00:00Z'), timeZone: 'UTC', counting: 'every_response' };

describeEachBackend('ingest from every source, end to end', (db) => {
  async function seedCustomers() {
    const k = db().kysely;
    await syncInstance(k, 'csm', [csmRecord({ externalId: 'csm-ann' })], settings);
    await syncInstance(k, 'account', [accountRecord({ externalId: 'acme', csmExternalId: 'csm-ann' })], settings);
    const users = ['ana.silva@acme.example', 'ben.okafor@globex.example', 'chen.wei@initech.example', 'dana.kim@umbrella.example', 'fay.adams@stark.example'];
    await syncInstance(k, 'user', users.map((email) => userRecord({ accountExternalId: 'acme', email })), settings);
  }

  it('takes each vendor format and keeps one row per response', async () => {
    const k = db().kysely;
    await seedCustomers();
    const delighted = await ingestPayloads(k, 'delighted', [delightedEvent(), delightedEvent(), delightedUnsubscribe()], settings);
    expect(delighted).toMatchObject({ received: 3, inserted: 1, rejected: [], ignored: [{ index: 2 }] });
    const redelivered = await ingestPayloads(k, 'delighted', [delightedEvent()], settings);
    expect(redelivered).toMatchObject({ inserted: 0, updated: 0, unchanged: 1, changed: [] });
    const update = await ingestPayloads(k, 'delighted', [delightedCommentUpdate()], settings);
    expect(update).toMatchObject({ inserted: 0, updated: 1 });

    const wootric = await ingestPayloads(k, 'wootric', [
      wootricResponseEvent(),
      wootricResponseEvent({ event_name: 'updated', response: { excluded_from_calculations: 'true', updated_at: '2026-03-09T02:00:00.000-07:00' } }),
      wootricDeclineEvent(),
    ], settings);
    expect(wootric).toMatchObject({ inserted: 1, ignored: [{ index: 2 }] });
    const askNicely = await ingestPayloads(k, 'asknicely', [askNicelyPayload(), askNicelyPayload({ count: '2', question: { comment: 'Support took four days.' } })], settings);
    expect(askNicely).toMatchObject({ inserted: 1, updated: 0 });
    const retently = await ingestPayloads(k, 'retently', [retentlyPayload()], settings);
    const generic = await ingestPayloads(k, 'generic', [{ responses: [genericResponse(), genericResponse({ id: 'crm-77121', score: 11 })] }], settings);
    expect(retently.inserted).toBe(1);
    expect(generic).toMatchObject({ inserted: 1, rejected: [{ reason: 'invalid', issues: [{ path: 'responses[1].score' }] }] });

    const rows = await k.selectFrom('nps_responses').select(['source', 'score', 'comment', 'excluded']).orderBy('source').execute();
    expect(rows).toEqual([
      { source: 'asknicely', score: 3, comment: 'Support took four days.', excluded: false },
      { source: 'delighted', score: 9, comment: 'Onboarding was smooth, reporting is slow.', excluded: false },
      { source: 'in-app', score: 8, comment: 'Fine overall.', excluded: false },
      { source: 'retently', score: 10, comment: 'Our CSM is fantastic.', excluded: false },
      { source: 'wootric', score: 7, comment: 'Good, but the API docs are thin.', excluded: true },
    ]);

    // The excluded Wootric response does not count: 2 promoters, 1 passive, 1 detractor.
    const [account] = await k.selectFrom('accounts').select('id').execute();
    const snapshot = (await accountNpsSnapshots(k, account!.id)).find((s) => s.window_key === 'this_month')!;
    expect(snapshot).toMatchObject({ promoters: 2, passives: 1, detractors: 1, total: 4, nps: 25 });
    expect(snapshot.sources).toEqual(['asknicely', 'delighted', 'in-app', 'retently']);
  });

  it('keeps a response from an unknown user and replays it when the user is synced', async () => {
    const k = db().kysely;
    await seedCustomers();
    const stranger = genericResponse({ id: 'g-1', email: 'new.hire@acme.example', score: 2 });
    const first = await ingestPayloads(k, 'generic', [stranger], settings);
    expect(first.rejected).toMatchObject([{ reason: 'unknown_user', sourceResponseId: 'g-1' }]);
    expect(await k.selectFrom('nps_responses').select('id').execute()).toEqual([]);

    const synced = await syncInstance(k, 'user', [userRecord({ accountExternalId: 'acme', email: 'New.Hire@acme.example' })], settings);
    expect(synced.replay).toMatchObject({ replayed: 1 });
    const userId = (await userIdByEmail(k, 'NEW.HIRE@acme.example'))!;
    expect(await userTimeline(k, userId)).toMatchObject([{ score: 2, source: 'in-app' }]);
    const [account] = await k.selectFrom('accounts').select('id').execute();
    const snapshot = (await accountNpsSnapshots(k, account!.id)).find((s) => s.window_key === 'this_month')!;
    expect(snapshot).toMatchObject({ detractors: 1, nps: -100 });
  });

  it('lists a timeline in the order responses were given, not received', async () => {
    const k = db().kysely;
    await seedCustomers();
    const email = 'fay.adams@stark.example';
    await ingestPayloads(k, 'generic', [genericResponse({ id: 'late', email, respondedAt: '2026-03-10T00:00:00Z', score: 9 })], settings);
    // A backfill of older history arrives afterwards.
    await ingestPayloads(k, 'generic', [{ responses: [
      genericResponse({ id: 'old-2', email, respondedAt: '2026-02-01T00:00:00Z', score: 6 }),
      genericResponse({ id: 'old-1', email, respondedAt: '2026-01-01T00:00:00Z', score: 4 }),
    ] }], settings);
    const userId = (await userIdByEmail(k, email))!;
    const timeline = await userTimeline(k, userId);
    expect(timeline.map((t) => t.score)).toEqual([4, 6, 9]);
    const firstPage = await userTimeline(k, userId, { limit: 2 });
    const secondPage = await userTimeline(k, userId, { limit: 2, after: firstPage[1]! });
    expect([...firstPage, ...secondPage].map((t) => t.score)).toEqual([4, 6, 9]);
  });
});
