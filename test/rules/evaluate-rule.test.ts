import { describe, expect, it } from 'vitest';
import { compileHealthRule, compileRule, evaluateHealthRule, evaluateRule, reasonsOf } from '../../rules/evaluate-rule.ts';
import { aCriterion, aHealthRule, aLeaf, aListRule, aTriggerRule, fixedClock } from '../fixtures/rules.ts';

const clock = fixedClock();
const nps90 = { window: 'last_90_days' };

describe('explanations', () => {
  it('mirror the conditions, with each leaf’s fact value and whether it held', async () => {
    const rule = aListRule({
      conditions: {
        all: [
          aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 }),
          aLeaf({ fact: 'accountNps', params: nps90, operator: 'lessThan', value: 0 }),
          aLeaf({ fact: 'attributes', path: '$.plan', operator: 'equal', value: 'enterprise' }),
        ],
      },
    });
    const evaluation = await evaluateRule(rule, { latestScore: 3, 'accountNps(window=last_90_days)': 12, attributes: { plan: 'enterprise' } }, clock);
    expect(evaluation).toEqual({
      matched: false,
      explanation: {
        kind: 'all',
        evaluated: true,
        result: false,
        conditions: [
          { kind: 'leaf', fact: 'latestScore', operator: 'lessThan', value: 7, evaluated: true, result: true, factValue: 3 },
          { kind: 'leaf', fact: 'accountNps', params: nps90, operator: 'lessThan', value: 0, evaluated: true, result: false, factValue: 12 },
          { kind: 'leaf', fact: 'attributes', path: '$.plan', operator: 'equal', value: 'enterprise', evaluated: true, result: true, factValue: 'enterprise' },
        ],
      },
    });
  });

  it('show an unknown fact value as undefined', async () => {
    const rule = aTriggerRule({ conditions: { any: [aLeaf({ fact: 'previousScore', operator: 'isUnknown', value: true })] } });
    const { matched, explanation } = await evaluateRule(rule, {}, clock);
    expect(matched).toBe(true);
    expect(explanation).toMatchObject({ kind: 'any', result: true, conditions: [{ evaluated: true, result: true, factValue: undefined }] });
  });

  it('explain not: its own result and its condition’s', async () => {
    const rule = aListRule({ conditions: { not: { any: [aLeaf({ fact: 'role', operator: 'equal', value: 'admin' }), aLeaf({ fact: 'role', operator: 'equal', value: 'owner' })] } } });
    const { matched, explanation } = await evaluateRule(rule, { role: 'viewer' }, clock);
    expect(matched).toBe(true);
    expect(explanation).toEqual({
      kind: 'not',
      evaluated: true,
      result: true,
      condition: {
        kind: 'any',
        evaluated: true,
        result: false,
        conditions: [
          expect.objectContaining({ value: 'admin', evaluated: true, result: false, factValue: 'viewer' }),
          expect.objectContaining({ value: 'owner', evaluated: true, result: false, factValue: 'viewer' }),
        ],
      },
    });
  });

  it('mark the conditions json-rules-engine skipped once the outcome was known', async () => {
    // Priority orders evaluation: once the first `any` condition holds, the rest are not evaluated.
    const rule = aListRule({
      conditions: {
        any: [
          aLeaf({ fact: 'latestCategory', operator: 'equal', value: 'detractor', priority: 2 }),
          aLeaf({ fact: 'latestScore', operator: 'lessThan', value: 7 }),
          { not: aLeaf({ fact: 'role', operator: 'equal', value: 'admin' }) },
        ],
      },
    });
    const { matched, explanation } = await evaluateRule(rule, { latestCategory: 'detractor', latestScore: 3, role: 'admin' }, clock);
    expect(matched).toBe(true);
    expect(explanation).toEqual({
      kind: 'any',
      evaluated: true,
      result: true,
      conditions: [
        expect.objectContaining({ fact: 'latestCategory', evaluated: true, result: true, factValue: 'detractor' }),
        { kind: 'leaf', fact: 'latestScore', operator: 'lessThan', value: 7, evaluated: false },
        { kind: 'not', evaluated: false, condition: { kind: 'leaf', fact: 'role', operator: 'equal', value: 'admin', evaluated: false } },
      ],
    });

    // When the first condition does not decide, the others are evaluated.
    const failing = await evaluateRule(rule, { latestCategory: 'promoter', latestScore: 9, role: 'admin' }, clock);
    expect(failing.explanation).toMatchObject({
      result: false,
      conditions: [{ evaluated: true, result: false }, { evaluated: true, result: false }, { evaluated: true, result: false }],
    });
  });

  it('come from one compiled rule evaluated many times', async () => {
    const compiled = compileRule(aListRule({ conditions: { all: [aLeaf({ operator: 'lessThan', value: 7 })] } }), clock);
    const results = await Promise.all([0, 6, 7, 10, 3].map(async (latestScore) => (await compiled.evaluate({ latestScore })).matched));
    expect(results).toEqual([true, true, false, false, true]);
  });
});

describe('reasonsOf', () => {
  it('gives the conditions that decided, as text', async () => {
    const rule = aListRule({
      conditions: {
        all: [
          aLeaf({ fact: 'accountNps', params: nps90, operator: 'lessThan', value: 0 }),
          { any: [aLeaf({ fact: 'role', operator: 'equal', value: 'admin' }), aLeaf({ fact: 'latestRespondedAt', operator: 'after', value: '2026-06-01' })] },
          { not: aLeaf({ fact: 'attributes', path: '$.plan', operator: 'equal', value: 'free' }) },
          aLeaf({ fact: 'persona', operator: 'isUnknown', value: true }),
        ],
      },
    });
    const facts = { 'accountNps(window=last_90_days)': -12, role: 'admin', latestRespondedAt: new Date('2026-05-01T00:00:00Z'), attributes: { plan: 'pro' } };
    const { matched, explanation } = await evaluateRule(rule, facts, clock);
    expect(matched).toBe(true);
    expect(reasonsOf(explanation)).toEqual([
      'accountNps(window=last_90_days) = -12 is lessThan 0',
      'role = "admin" is equal "admin"',
      'attributes.plan = "pro" is not equal "free"',
      'persona = unknown is unknown',
    ]);

    const missed = await evaluateRule(rule, { ...facts, 'accountNps(window=last_90_days)': undefined }, clock);
    expect(reasonsOf(missed.explanation)).toEqual(['accountNps(window=last_90_days) = unknown is not lessThan 0']);
  });
});

describe('health', () => {
  const criteria = [
    aCriterion({ colour: 'red', reason: 'Critical ticket open', conditions: { all: [aLeaf({ fact: 'openCriticalTicketCount', operator: 'greaterThan', value: 0 })] } }),
    aCriterion({ colour: 'amber', reason: 'Many tickets', conditions: { any: [aLeaf({ fact: 'openTicketCount', operator: 'greaterThan', value: 3 })] } }),
    aCriterion({ colour: 'amber', conditions: { all: [aLeaf({ fact: 'oldestOpenTicketAgeDays', operator: 'greaterThan', value: 7 })] } }),
  ];

  it('takes the colour of the first criterion that holds, with its reasons', async () => {
    const rule = aHealthRule({ criteria: [...criteria, { colour: 'green', reason: 'Quiet' }] });
    // Both red and amber hold; red comes first.
    expect(await evaluateHealthRule(rule, { openCriticalTicketCount: 1, openTicketCount: 5 }, clock)).toEqual({
      colour: 'red',
      criterionIndex: 0,
      reasons: ['Critical ticket open', 'openCriticalTicketCount = 1 is greaterThan 0'],
    });
    expect(await evaluateHealthRule(rule, { openCriticalTicketCount: 0, openTicketCount: 5, oldestOpenTicketAgeDays: 9 }, clock)).toEqual({
      colour: 'amber',
      criterionIndex: 1,
      reasons: ['Many tickets', 'openTicketCount = 5 is greaterThan 3'],
    });
    // A criterion without reason text still gives its conditions.
    expect(await evaluateHealthRule(rule, { oldestOpenTicketAgeDays: 9 }, clock)).toEqual({
      colour: 'amber',
      criterionIndex: 2,
      reasons: ['oldestOpenTicketAgeDays = 9 is greaterThan 7'],
    });
  });

  it('falls through to the unconditional criterion', async () => {
    const rule = aHealthRule({ criteria: [...criteria, { colour: 'green', reason: 'Quiet' }] });
    expect(await evaluateHealthRule(rule, { openCriticalTicketCount: 0, openTicketCount: 1 }, clock)).toEqual({
      colour: 'green',
      criterionIndex: 3,
      reasons: ['Quiet'],
    });
    expect(await evaluateHealthRule(aHealthRule({ criteria: [{ colour: 'green' }] }), {}, clock)).toEqual({
      colour: 'green',
      criterionIndex: 0,
      reasons: [],
    });
  });

  it('gives no colour when no criterion holds', async () => {
    const compiled = compileHealthRule(aHealthRule({ criteria }), clock);
    expect(await compiled.evaluate({ openCriticalTicketCount: 0, openTicketCount: 1 })).toEqual({ colour: null, criterionIndex: null, reasons: [] });
    expect(await compiled.evaluate({ openCriticalTicketCount: 2 })).toMatchObject({ colour: 'red' });
  });
});
