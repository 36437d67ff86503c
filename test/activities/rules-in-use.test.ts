import { expect, it } from 'vitest';
import { createTriggerEvaluator, enabledTriggerRules } from '../../rule-sql/evaluate-triggers.ts';
import { explainListMembership } from '../../lists/explain-list-membership.ts';
import { installDefaultRules } from '../../activities/install-default-rules.ts';
import { refreshAccountHealth } from '../../health/refresh-account-health.ts';
import { refreshLists } from '../../lists/refresh-lists.ts';
import { accountHealth, healthChanges } from '../../db/queries/account-health.ts';
import { listMembers, membershipEvents } from '../../db/queries/list-members.ts';
import { getRule } from '../../db/queries/rules.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const settings = { now, timeZone: 'UTC', counting: 'every_response' as const };
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

describeEachBackend('rules in use: health, lists and triggers', (db) => {
  it('colours accounts with the default health rules and records each change with its reasons', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    const happy = await seedAccount(k, { users: ['a@happy.example', 'b@happy.example'] });
    const unhappy = await seedAccount(k, { users: ['c@unhappy.example'] });
    const quiet = await seedAccount(k);
    await storeBatch(k, 'csv', [
      validItem({ email: 'a@happy.example', score: 10, respondedAt: daysAgo(40) }),
      validItem({ email: 'b@happy.example', score: 9, respondedAt: daysAgo(50) }),
      validItem({ email: 'c@unhappy.example', score: 2, respondedAt: daysAgo(5) }),
    ], now);
    await k.insertInto('tickets').values({ external_id: 't1', account_id: unhappy.accountId, priority: 'critical', status: 'open', opened_at: daysAgo(2) }).execute();

    const first = await refreshAccountHealth(k, 'all', settings);
    expect(first.evaluated).toBe(6);
    const colours = async (accountId: number) =>
      Object.fromEntries((await accountHealth(k, accountId)).map((h) => [h.dimension, h.colour]));
    expect(await colours(happy.accountId)).toEqual({ relationship: 'green', service: 'green' });
    expect(await colours(unhappy.accountId)).toEqual({ relationship: 'red', service: 'red' });
    expect(await colours(quiet.accountId)).toEqual({ relationship: 'green', service: 'green' });
    const red = (await accountHealth(k, unhappy.accountId)).find((h) => h.dimension === 'relationship')!;
    expect(red.reasons[0]).toBe('NPS over the last 90 days is below 0, or a detractor in the last 30 days');
    expect(red.reasons.join(' ')).toMatch(/nps\(window=last_90_days\)/);

    // The happy account gets a detractor: only its relationship colour changes.
    await storeBatch(k, 'csv', [validItem({ email: 'a@happy.example', score: 1, respondedAt: daysAgo(1) })], now);
    const second = await refreshAccountHealth(k, [happy.accountId], { ...settings, now: new Date(now.getTime() + 1000) });
    expect(second.changes).toMatchObject([{ account_id: happy.accountId, dimension: 'relationship', from_colour: 'green', to_colour: 'red' }]);
    const history = await healthChanges(k, { accountId: happy.accountId, limit: 10 });
    expect(history.map((c) => `${c.dimension}:${c.from_colour ?? '-'}>${c.to_colour}`).sort()).toEqual([
      'relationship:->green', 'relationship:green>red', 'service:->green',
    ]);
  });

  it('refreshes list members with the compiled rules and records who entered and left', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    const { users } = await seedAccount(k, { users: ['admin1@acme.example', 'admin2@acme.example'] });
    await storeBatch(k, 'csv', [
      validItem({ email: users[0]!.email, score: 3, respondedAt: daysAgo(3) }),
      validItem({ email: users[1]!.email, score: 10, respondedAt: daysAgo(3) }),
    ], now);
    const first = await refreshLists(k, settings);
    const summary = Object.fromEntries(first.map((s) => [s.list, s.total]));
    expect(summary).toEqual({ 'admin-detractors': 1, 'detractors-last-30-days': 1, 'passives-last-30-days': 0, 'promoters-last-30-days': 1 });

    // The detractor answers again as a promoter: they leave two lists and enter one.
    await storeBatch(k, 'csv', [validItem({ email: users[0]!.email, score: 9, respondedAt: daysAgo(1) })], now);
    const second = await refreshLists(k, { ...settings, now: new Date(now.getTime() + 1000) });
    expect(second.find((s) => s.list === 'admin-detractors')).toMatchObject({ entered: 0, exited: 1, total: 0 });
    expect(second.find((s) => s.list === 'promoters-last-30-days')).toMatchObject({ entered: 1, exited: 0, total: 2 });
    const promoters = await getRule(k, 'promoters-last-30-days');
    expect((await listMembers(k, promoters.id)).map((m) => m.user_id).sort()).toEqual([users[0]!.id, users[1]!.id].sort());
    const detractors = await getRule(k, 'admin-detractors');
    expect((await membershipEvents(k, detractors.id)).map((e) => e.event)).toEqual(['entered', 'exited']);
  });

  it('re-decides only the users a batch touched, and explains a membership', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    const { users } = await seedAccount(k, { users: ['one@acme.example', 'two@acme.example'] });
    await storeBatch(k, 'csv', [validItem({ email: users[0]!.email, score: 2, respondedAt: daysAgo(2) })], now);
    await refreshLists(k, settings);
    // The second user's detractor answer arrives; a scoped refresh leaves the first untouched.
    await k.deleteFrom('nps_responses').where('user_id', '=', users[0]!.id).execute();
    await storeBatch(k, 'csv', [validItem({ email: users[1]!.email, score: 1, respondedAt: daysAgo(1) })], now);
    const scoped = await refreshLists(k, settings, { userIds: [users[1]!.id], names: ['admin-detractors'] });
    // A scoped refresh does not count the list: that would read all of it.
    expect(scoped).toEqual([{ list: 'admin-detractors', entered: 1, exited: 0 }]);
    const detractors = await getRule(k, 'admin-detractors');
    expect((await listMembers(k, detractors.id)).map((m) => m.user_id)).toEqual([users[0]!.id, users[1]!.id].sort((a, b) => a - b));

    const why = await explainListMembership(k, 'admin-detractors', users[1]!.id, settings);
    expect(why).toMatchObject({ matches: true, member: true });
    expect(why.explanation).toMatchObject({ kind: 'all', conditions: [
      { fact: 'latestCategory', factValue: 'detractor', result: true },
      { fact: 'role', factValue: 'admin', result: true },
    ] });
    const stale = await explainListMembership(k, 'admin-detractors', users[0]!.id, settings);
    expect(stale).toMatchObject({ matches: false, member: true });
  });

  it('evaluates the trigger rules against a response event, with explanations', async () => {
    const k = db().kysely;
    await installDefaultRules(k);
    const { users } = await seedAccount(k);
    await storeBatch(k, 'csv', [validItem({ email: users[0]!.email, score: 9, respondedAt: daysAgo(20) })], now);
    const latest = await storeBatch(k, 'csv', [validItem({ email: users[0]!.email, score: 4, comment: 'slow', respondedAt: daysAgo(1) })], now);
    const evaluateTriggers = createTriggerEvaluator(() => now);
    const result = await evaluateTriggers(k, latest.changed[0]!.id, await enabledTriggerRules(k), settings);
    expect(result.evaluated).toBe(2);
    expect(result.matches.map((m) => m.rule)).toEqual(['detractor']);
    expect(result.facts).toMatchObject({ score: 4, category: 'detractor', previousScore: 9, previousCategory: 'promoter', scoreChange: -5, hasComment: true });
    expect(result.matches[0]!.explanation).toMatchObject({ kind: 'all', result: true, conditions: [{ fact: 'category', factValue: 'detractor', result: true }] });
  });
});
