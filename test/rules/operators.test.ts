import { describe, expect, it } from 'vitest';
import type { LeafCondition } from '../../rules/condition-schema.ts';
import type { FactValues } from '../../rules/create-engine.ts';
import { evaluateRule } from '../../rules/evaluate-rule.ts';
import { validateRule } from '../../rules/validate-rule.ts';
import { NOW, aLeaf, aListRule, aTriggerRule, fixedClock } from '../fixtures/rules.ts';

/*
 * The reference semantics of every operator a rule may use, through json-rules-engine as
 * npsloop sets it up: known values, boundaries and unknown values (null, undefined, missing).
 * The SQL compiler must agree with every row here.
 */

const DAY = 86_400_000;
const now = Date.parse(NOW);
const iso = (ms: number) => new Date(ms).toISOString();

const MISSING = Symbol('missing');
type Case = [factValue: unknown, holds: boolean];

async function holds(leaf: LeafCondition, factValue: unknown, kind: 'list' | 'trigger' = 'list'): Promise<boolean> {
  const rule = kind === 'list' ? aListRule({ conditions: { all: [leaf] } }) : aTriggerRule({ conditions: { all: [leaf] } });
  expect(validateRule(rule)).toMatchObject({ ok: true });
  const facts: FactValues = factValue === MISSING ? {} : { [leaf.fact]: factValue };
  return (await evaluateRule(rule, facts, fixedClock())).matched;
}

function table(title: string, leaf: LeafCondition, cases: Case[], kind: 'list' | 'trigger' = 'list') {
  it.each(cases.map(([factValue, expected]) => ({ factValue, expected })))(
    `${title}: $factValue → $expected`,
    async ({ factValue, expected }) => {
      expect(await holds(leaf, factValue, kind)).toBe(expected);
    },
  );
}

describe('number operators (latestScore)', () => {
  const score = (operator: string, value: unknown) => aLeaf({ fact: 'latestScore', operator, value });
  table('equal 7', score('equal', 7), [[7, true], [6, false], [0, false], [null, false], [undefined, false], [MISSING, false]]);
  table('equal 0 is not fooled by a falsy value', score('equal', 0), [[0, true], [null, false], [MISSING, false]]);
  table('notEqual 7 (true for unknown)', score('notEqual', 7), [[7, false], [6, true], [null, true], [undefined, true], [MISSING, true]]);
  table('lessThan 7', score('lessThan', 7), [[6, true], [7, false], [8, false], [null, false], [MISSING, false]]);
  table('lessThanInclusive 7', score('lessThanInclusive', 7), [[7, true], [8, false], [null, false], [MISSING, false]]);
  table('greaterThan 7', score('greaterThan', 7), [[8, true], [7, false], [null, false], [MISSING, false]]);
  table('greaterThanInclusive 7', score('greaterThanInclusive', 7), [[7, true], [6, false], [null, false], [MISSING, false]]);
  table('greaterThanInclusive 0', score('greaterThanInclusive', 0), [[0, true], [null, false]]);
  table('in [1, 7]', score('in', [1, 7]), [[7, true], [1, true], [2, false], [null, false], [MISSING, false]]);
  table('notIn [1, 7] (true for unknown)', score('notIn', [1, 7]), [[7, false], [2, true], [null, true], [MISSING, true]]);
  table('between [3, 7], inclusive', score('between', [3, 7]), [[3, true], [5, true], [7, true], [2, false], [8, false], [null, false], [MISSING, false]]);
  table('isKnown', score('isKnown', true), [[0, true], [10, true], [null, false], [undefined, false], [MISSING, false]]);
  table('isUnknown', score('isUnknown', true), [[0, false], [null, true], [undefined, true], [MISSING, true]]);
});

describe('date operators (latestRespondedAt, clock at 2026-06-15T12:00Z)', () => {
  const at = (operator: string, value: unknown) => aLeaf({ fact: 'latestRespondedAt', operator, value });
  table('before 2026-06-01 (midnight UTC, exclusive)', at('before', '2026-06-01'), [
    ['2026-05-31T23:59:59.999Z', true],
    ['2026-06-01T00:00:00.000Z', false],
    [new Date('2026-05-01T00:00:00Z'), true],
    [null, false],
    [MISSING, false],
  ]);
  table('before a date-time with an offset', at('before', '2026-06-01T02:00:00+02:00'), [
    ['2026-05-31T23:59:59.999Z', true],
    ['2026-06-01T00:00:00.000Z', false],
  ]);
  table('after 2026-06-01 (exclusive)', at('after', '2026-06-01'), [
    ['2026-06-01T00:00:00.001Z', true],
    ['2026-06-01T00:00:00.000Z', false],
    [new Date('2026-07-01T00:00:00Z'), true],
    [null, false],
    [MISSING, false],
  ]);
  table('between [2026-06-01, 2026-06-10], inclusive instants', at('between', ['2026-06-01', '2026-06-10']), [
    ['2026-05-31T23:59:59.999Z', false],
    ['2026-06-01T00:00:00.000Z', true],
    ['2026-06-10T00:00:00.000Z', true],
    // A plain-date upper bound is its midnight, not the whole day.
    ['2026-06-10T00:00:00.001Z', false],
    [new Date('2026-06-05T00:00:00Z'), true],
    [null, false],
    [MISSING, false],
  ]);
  table('inLastDays 30: now − 30 days ≤ fact ≤ now', at('inLastDays', 30), [
    [iso(now - 30 * DAY), true],
    [iso(now - 30 * DAY - 1), false],
    [iso(now), true],
    [iso(now + 1), false],
    [new Date(now - DAY), true],
    [null, false],
    [MISSING, false],
  ]);
  table('moreThanDaysAgo 30: fact < now − 30 days', at('moreThanDaysAgo', 30), [
    [iso(now - 30 * DAY - 1), true],
    [iso(now - 30 * DAY), false],
    [new Date(now - 365 * DAY), true],
    [null, false],
    [MISSING, false],
  ]);
  table('isKnown', at('isKnown', true), [[NOW, true], [new Date(now), true], [null, false], [MISSING, false]]);
  table('isUnknown', at('isUnknown', true), [[NOW, false], [null, true], [MISSING, true]]);

  it('reads the clock at each evaluation, so one compiled rule serves over time', async () => {
    let clockNow = new Date(NOW);
    const rule = aListRule({ conditions: { all: [at('inLastDays', 1)] } });
    const facts = { latestRespondedAt: NOW };
    expect((await evaluateRule(rule, facts, () => clockNow)).matched).toBe(true);
    clockNow = new Date(now + 2 * DAY);
    expect((await evaluateRule(rule, facts, () => clockNow)).matched).toBe(false);
  });
});

describe('string and enum operators', () => {
  const role = (operator: string, value: unknown) => aLeaf({ fact: 'role', operator, value });
  table('role equal admin (case-sensitive)', role('equal', 'admin'), [['admin', true], ['Admin', false], [null, false], [MISSING, false]]);
  table('role notEqual admin (true for unknown)', role('notEqual', 'admin'), [['user', true], ['admin', false], [null, true], [MISSING, true]]);
  table('role in [admin, owner]', role('in', ['admin', 'owner']), [['owner', true], ['user', false], [null, false], [MISSING, false]]);
  table('role notIn [admin, owner] (true for unknown)', role('notIn', ['admin', 'owner']), [['user', true], ['admin', false], [null, true], [MISSING, true]]);
  table('role isKnown (an empty string is known)', role('isKnown', true), [['', true], [null, false], [MISSING, false]]);
  table('role isUnknown', role('isUnknown', true), [['', false], [null, true], [MISSING, true]]);

  const category = (operator: string, value: unknown) => aLeaf({ fact: 'latestCategory', operator, value });
  table('latestCategory equal detractor', category('equal', 'detractor'), [['detractor', true], ['passive', false], [null, false]]);
  table('latestCategory notEqual detractor', category('notEqual', 'detractor'), [['promoter', true], ['detractor', false], [null, true]]);
  table('latestCategory in [passive, detractor]', category('in', ['passive', 'detractor']), [['passive', true], ['promoter', false], [MISSING, false]]);
  table('latestCategory notIn [passive, detractor]', category('notIn', ['passive', 'detractor']), [['promoter', true], ['passive', false], [MISSING, true]]);
});

describe('boolean operators (hasComment on a response event)', () => {
  const comment = (operator: string, value: unknown) => aLeaf({ fact: 'hasComment', operator, value });
  table('hasComment equal true', comment('equal', true), [[true, true], [false, false], [null, false], [MISSING, false]], 'trigger');
  table('hasComment notEqual true (true for unknown)', comment('notEqual', true), [[false, true], [true, false], [null, true], [MISSING, true]], 'trigger');
});

describe('custom attributes read with a path (attributes, $.plan)', () => {
  const plan = (operator: string, value: unknown) => aLeaf({ fact: 'attributes', path: '$.plan', operator, value });
  table('equal "pro"', plan('equal', 'pro'), [
    [{ plan: 'pro' }, true],
    [{ plan: 'free' }, false],
    [{ plan: null }, false],
    [{}, false],
    [null, false],
    [MISSING, false],
  ]);
  table('equal 5 is strict: the string "5" is not 5', plan('equal', 5), [[{ plan: 5 }, true], [{ plan: '5' }, false]]);
  table('equal true is strict', plan('equal', true), [[{ plan: true }, true], [{ plan: 'true' }, false]]);
  table('notEqual "pro" (true for unknown)', plan('notEqual', 'pro'), [
    [{ plan: 'free' }, true],
    [{ plan: 'pro' }, false],
    [{ plan: null }, true],
    [{}, true],
    [null, true],
    [MISSING, true],
  ]);
  table('in ["pro", 5]', plan('in', ['pro', 5]), [[{ plan: 5 }, true], [{ plan: '5' }, false], [{}, false]]);
  table('notIn ["pro", 5]', plan('notIn', ['pro', 5]), [[{ plan: 'free' }, true], [{ plan: 'pro' }, false], [{}, true]]);
  table('isKnown', plan('isKnown', true), [
    [{ plan: 'pro' }, true],
    [{ plan: false }, true],
    [{ plan: null }, false],
    [{}, false],
    [null, false],
    [MISSING, false],
    // Attributes that are not an object have no keys to read.
    ['pro', false],
    [['pro'], false],
  ]);
  table('isUnknown', plan('isUnknown', true), [[{ plan: null }, true], [{}, true], [{ plan: 'pro' }, false]]);
  table('a key is an own key, never an inherited one', aLeaf({ fact: 'attributes', path: '$.constructor', operator: 'isUnknown', value: true }), [[{}, true]]);
});
