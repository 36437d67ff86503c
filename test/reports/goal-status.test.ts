import { expect, it } from 'vitest';
import type { GoalDefinition } from '../../reports/goal-definition.ts';
import { goalStatuses } from '../../reports/goal-status.ts';
import { aCsm, anAccount, responses } from '../fixtures/report-instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const settings = { now: new Date('2026-06-15T12:00:00Z'), timeZone: 'UTC' };
const options = { from: '2026-01-01', to: '2026-06-30', counting: 'every_response' as const, minimumResponses: 5 };

/** `scores` answered by `email` on `day`. */
const answers = (email: string, day: string, scores: number[]): [string, number, string][] => scores.map((score) => [email, score, `${day}T09:00:00Z`]);

let nextId = 0;
const goal = (definition: GoalDefinition) => ({ id: ++nextId, name: definition.name, version: 1, definition });

describeEachBackend('goal status', (database) => {
  const db = () => database().kysely;

  it('says met, missed, on track and not enough responses, per period', async () => {
    const ana = await aCsm(db(), 'Ana');
    await anAccount(db(), { owners: [{ csm: ana }], users: ['u@a.example'], segment: 'Enterprise' });
    await responses(db(), [
      ...answers('u@a.example', '2026-01-10', [10, 10, 10, 10, 0]), // 60
      ...answers('u@a.example', '2026-02-10', [10, 10, 8, 0, 0]), // 0
      ...answers('u@a.example', '2026-03-10', [10, 10]), // 2 responses
      ...answers('u@a.example', '2026-04-10', [10, 10, 8, 0, 0]), // 0
      ...answers('u@a.example', '2026-05-10', [10, 10, 10, 10, 10]), // 100
      ...answers('u@a.example', '2026-06-10', [10, 10, 10, 8, 0]), // 40 so far
    ]);
    const [atLeast, improve, bySegment] = await goalStatuses(
      db(),
      [
        goal({ name: 'Ana at least 30', scope: { kind: 'csm', csm: ana.external_id }, period: 'month', target: { kind: 'at_least', nps: 30 } }),
        goal({ name: 'Company +5 MoM', scope: { kind: 'company' }, period: 'month', target: { kind: 'improve_by', points: 5 } }),
        goal({ name: 'Enterprise at least 50 a quarter', scope: { kind: 'segment', segment: 'Enterprise' }, period: 'quarter', target: { kind: 'at_least', nps: 50 } }),
      ],
      options,
      settings,
    );
    expect(atLeast!.scopeLabel).toBe('Ana');
    expect(atLeast!.problem).toBeNull();
    expect(atLeast!.periods.map((p) => [p.period.key, p.status, p.nps])).toEqual([
      ['2026-01', 'met', 60],
      ['2026-02', 'missed', 0],
      ['2026-03', 'not_enough_responses', 100],
      ['2026-04', 'missed', 0],
      ['2026-05', 'met', 100],
      ['2026-06', 'on_track', 40],
    ]);
    expect(improve!.periods.map((p) => [p.period.key, p.status, p.target])).toEqual([
      ['2026-01', 'not_enough_responses', null], // nothing in December to improve on
      ['2026-02', 'missed', 65],
      ['2026-03', 'not_enough_responses', 5],
      ['2026-04', 'not_enough_responses', 105], // March had 2 responses: too few to improve on
      ['2026-05', 'met', 5],
      ['2026-06', 'off_track', 105],
    ]);
    // May on April: 0 to 100 with 5 responses each, z = 1 / √(0.8 / 5) = 2.5.
    expect(improve!.periods[4]!.change).toMatchObject({ difference: 100, significant: true });
    expect(improve!.periods[4]!.change!.z).toBeCloseTo(2.5, 9);
    // Q1: 12 responses, 8 promoters, 1 passive, 3 detractors = 41.7; Q2 so far 15: 10, 2, 3 = 46.7.
    expect(bySegment!.periods.map((p) => [p.period.key, p.status, p.n])).toEqual([
      ['2026-Q1', 'missed', 12],
      ['2026-Q2', 'off_track', 15],
    ]);
  });

  it('marks an improvement that is met but not significant, and a goal whose CSM is gone', async () => {
    const lee = await aCsm(db(), 'Lee');
    const ben = await aCsm(db(), 'Ben', lee);
    await anAccount(db(), { owners: [{ csm: ben }], users: ['b@b.example'] });
    await responses(db(), [
      ...answers('b@b.example', '2026-01-10', [10, 10, 8, 8, 0]), // 20
      ...answers('b@b.example', '2026-02-10', [10, 10, 10, 8, 0]), // 40
    ]);
    const [team, gone] = await goalStatuses(
      db(),
      [
        goal({ name: "Lee's team +5", scope: { kind: 'team', csm: lee.external_id }, period: 'month', target: { kind: 'improve_by', points: 5 } }),
        goal({ name: 'Gone', scope: { kind: 'csm', csm: 'no-such-csm' }, period: 'month', target: { kind: 'at_least', nps: 0 } }),
      ],
      { ...options, to: '2026-02-28' },
      settings,
    );
    expect(team!.scopeLabel).toBe("Lee's team");
    const february = team!.periods[1]!;
    expect(february).toMatchObject({ status: 'met', nps: 40, target: 25, change: { difference: 20, significant: false } });
    // January p .4, d .2: v = .6 − .04 = .56; February p .6, d .2: v = .8 − .16 = .64.
    expect(february.change!.z).toBeCloseTo(0.2 / Math.sqrt(0.64 / 5 + 0.56 / 5), 9);
    expect(gone).toMatchObject({ periods: [], problem: 'no CSM with external id "no-such-csm" is known to this instance' });
  });
});
