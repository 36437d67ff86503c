import { describe, expect, it } from 'vitest';
import { MAX_CONDITION_DEPTH, MAX_LEAF_CONDITIONS, type LeafCondition } from '../../rules/condition-schema.ts';
import { FACT_CATALOGUE, OPERATORS_BY_TYPE } from '../../rules/fact-catalogue.ts';
import { MAX_DAYS, MAX_IN_VALUES, validateRule, type RuleError } from '../../rules/validate-rule.ts';
import { aCriterion, aHealthRule, aLeaf, aListRule, aTriggerRule, nestedConditions } from '../fixtures/rules.ts';

function errorsOf(input: unknown): RuleError[] {
  const validation = validateRule(input);
  return validation.ok ? [] : validation.errors;
}

/** The errors of a list rule whose only condition is `leaf`, at $.conditions.all[0]. */
function leafErrors(leaf: Partial<LeafCondition> & Record<string, unknown>): RuleError[] {
  return errorsOf(aListRule({ conditions: { all: [aLeaf(leaf)] } }));
}

/** An error at `path` whose message says `message`; what is valid there is pinned on its own below. */
const error = (path: string, message: string) => expect.objectContaining({ path, message: expect.stringContaining(message) });
const LEAF = '$.conditions.all[0]';

describe('a valid rule', () => {
  it('comes back parsed', () => {
    const rule = aListRule({
      conditions: {
        all: [
          aLeaf({ fact: 'latestScore', operator: 'between', value: [0, 6] }),
          aLeaf({ fact: 'latestRespondedAt', operator: 'inLastDays', value: 30 }),
          aLeaf({ fact: 'accountNps', params: { window: 'last_90_days' }, operator: 'lessThan', value: 30 }),
          aLeaf({ fact: 'accountHealth', params: { dimension: 'service' }, operator: 'in', value: ['amber', 'red'] }),
          aLeaf({ fact: 'attributes', path: '$.plan', operator: 'equal', value: 'enterprise' }),
          { not: aLeaf({ fact: 'role', operator: 'equal', value: 'admin' }) },
        ],
      },
    });
    expect(validateRule(rule)).toEqual({ ok: true, rule });
  });
});

describe('structural mistakes', () => {
  it('are reported at their JSON path', () => {
    const rule = { kind: 'list', conditions: { all: [{ fact: 'latestScore', operator: 'lessThan' }, { any: [] }] }, extra: 1 };
    expect(errorsOf(rule)).toEqual([
      error('$.name', 'must be a name of 1 to 100 characters a-z, 0-9 and -'),
      error('$.conditions.all[0].value', 'is required: the value to compare the fact with (true for isKnown and isUnknown)'),
      error('$.conditions.all[1].any', 'must hold at least one condition'),
      error('$.extra', 'is not allowed here; a list rule has kind, name, description and conditions'),
    ]);
  });

  it('name the allowed properties for an unknown one', () => {
    expect(leafErrors({ opertor: 'equal' })).toEqual([error(`${LEAF}.opertor`, 'a condition has fact, operator, value, path, params and priority')]);
  });

  it('include an unknown kind', () => {
    expect(errorsOf({ kind: 'segment', name: 'x' })).toEqual([error('$.kind', 'one of list, health, trigger')]);
  });

  it('include health paths, and every mistake of the criteria', () => {
    const rule = aHealthRule({ criteria: [{ colour: 'green' }, aCriterion({ conditions: aLeaf() as never })] });
    expect(errorsOf(rule)).toEqual([
      error('$.criteria[1].conditions', 'wrap a single condition in { "all": [ ... ] }'),
      error('$.criteria[0]', 'has no conditions, so it always holds and the criteria after it never apply'),
      // The leaf is still checked against the account facts.
      error('$.criteria[1].conditions.fact', '"latestScore" is not a fact of accounts (health rules)'),
    ]);
  });
});

describe('an unknown fact', () => {
  it('lists the facts of the rule’s subject', () => {
    const [listError] = leafErrors({ fact: 'npsScore' });
    expect(listError).toEqual(error(`${LEAF}.fact`, `"npsScore" is not a fact of users (list rules); valid facts: ${Object.keys(FACT_CATALOGUE.user).join(', ')}`));

    const trigger = aTriggerRule({ conditions: { all: [aLeaf({ fact: 'latestScore' })] } });
    expect(errorsOf(trigger)).toEqual([error(`${LEAF}.fact`, `valid facts: ${Object.keys(FACT_CATALOGUE.response_event).join(', ')}`)]);

    const health = aHealthRule({ criteria: [aCriterion({ conditions: { any: [aLeaf({ fact: 'openCriticalTicketCount', operator: 'greaterThan', value: 0 }), aLeaf({ fact: 'role', operator: 'equal', value: 'admin' })] } })] });
    expect(errorsOf(health)).toEqual([error('$.criteria[0].conditions.any[1].fact', `valid facts: ${Object.keys(FACT_CATALOGUE.account).join(', ')}`)]);
  });

  it('suggests the closest fact when the name is close enough to be a typo, and nothing otherwise', () => {
    expect(leafErrors({ fact: 'latestscor' })).toEqual([error(`${LEAF}.fact`, '"latestscor" is not a fact of users (list rules); did you mean "latestScore"? valid facts: latestScore,')]);
    const health = aHealthRule({ criteria: [aCriterion({ conditions: { all: [aLeaf({ fact: 'oldestOpenTicketAge', operator: 'greaterThan', value: 30 })] } })] });
    expect(errorsOf(health)).toEqual([error('$.criteria[0].conditions.all[0].fact', 'did you mean "oldestOpenTicketAgeDays"?')]);
    expect(leafErrors({ fact: 'npsScore' })[0]!.message).not.toContain('did you mean');
  });

  it('is not taken from the prototype', () => {
    expect(leafErrors({ fact: 'constructor' })).toEqual([error(`${LEAF}.fact`, 'is not a fact of users')]);
  });
});

describe('an operator', () => {
  it('that does not fit the fact’s type lists the valid ones', () => {
    expect(leafErrors({ fact: 'latestCategory', operator: 'lessThan', value: 'passive' })).toEqual([
      error(`${LEAF}.operator`, `"lessThan" does not apply to latestCategory (one of promoter, passive, detractor); valid operators: ${OPERATORS_BY_TYPE.enum.join(', ')}`),
    ]);
    expect(leafErrors({ fact: 'latestRespondedAt', operator: 'equal', value: '2026-01-01' })).toEqual([
      error(`${LEAF}.operator`, `does not apply to latestRespondedAt (a date); valid operators: ${OPERATORS_BY_TYPE.date.join(', ')}`),
    ]);
    expect(leafErrors({ fact: 'latestScore', operator: 'contains', value: 3 })).toEqual([error(`${LEAF}.operator`, 'valid operators: equal, notEqual, lessThan')]);
    expect(leafErrors({ fact: 'attributes', path: '$.plan', operator: 'lessThan', value: 3 })).toEqual([
      error(`${LEAF}.operator`, 'does not apply to attributes (a custom attribute); valid operators: equal, notEqual, in, notIn, isKnown, isUnknown'),
    ]);
  });

  it('that is a typo of a valid one suggests it', () => {
    expect(leafErrors({ fact: 'latestScore', operator: 'lesThan', value: 7 })).toEqual([
      error(`${LEAF}.operator`, `"lesThan" does not apply to latestScore (a number); did you mean "lessThan"? valid operators: ${OPERATORS_BY_TYPE.number.join(', ')}`),
    ]);
    expect(leafErrors({ fact: 'latestRespondedAt', operator: 'InLastDay', value: 30 })).toEqual([error(`${LEAF}.operator`, 'did you mean "inLastDays"?')]);
    // A valid operator of another type is not a typo: no suggestion from the date operators.
    expect(leafErrors({ fact: 'latestRespondedAt', operator: 'lessThan', value: 3 })[0]!.message).not.toContain('did you mean');
  });

  it('with a decorator is not supported', () => {
    expect(leafErrors({ operator: 'not:lessThan' })).toEqual([
      error(`${LEAF}.operator`, 'operator decorators such as "not:lessThan" are not supported; wrap the condition in { "not": ... } or use one of: equal, notEqual'),
    ]);
  });
});

describe('a value', () => {
  it('that refers to a fact is not supported', () => {
    expect(leafErrors({ value: { fact: 'responseCount' } })).toEqual([error(`${LEAF}.value`, 'fact references are not supported in "value"')]);
  });

  it.each([
    ['a number fact', { fact: 'latestScore', operator: 'lessThan', value: '7' }, 'must be a number from 0 to 10'],
    ['a number fact (null)', { fact: 'latestScore', operator: 'equal', value: null }, 'must be a number from 0 to 10'],
    ['a count', { fact: 'responseCount', params: { window: 'last_30_days' }, operator: 'greaterThan', value: true }, 'must be a number of 0 or more'],
    ['an enum fact', { fact: 'latestCategory', operator: 'equal', value: 'neutral' }, 'must be one of "promoter", "passive", "detractor"'],
    ['a string fact', { fact: 'role', operator: 'equal', value: 1 }, 'must be a string'],
    ['an attribute', { fact: 'attributes', path: '$.plan', operator: 'equal', value: ['pro'] }, 'must be a string, number or boolean'],
    ['a date, not a date', { fact: 'latestRespondedAt', operator: 'before', value: 'yesterday' }, 'must be an ISO 8601 date such as "2026-01-01" (midnight UTC)'],
    ['a date that does not exist', { fact: 'latestRespondedAt', operator: 'after', value: '2026-02-30' }, 'must be an ISO 8601 date'],
    ['a date-time without an offset', { fact: 'latestRespondedAt', operator: 'after', value: '2026-01-01T09:00:00' }, 'with an offset such as "2026-01-01T09:00:00Z"'],
    ['a date as a number', { fact: 'latestRespondedAt', operator: 'before', value: 1767225600000 }, 'must be an ISO 8601 date'],
    ['isKnown', { fact: 'role', operator: 'isKnown', value: false }, 'must be true: isKnown compares with nothing, so write "value": true'],
    ['isUnknown', { fact: 'latestScore', operator: 'isUnknown', value: 'yes' }, 'must be true: isUnknown compares with nothing'],
    ['inLastDays 0', { fact: 'latestRespondedAt', operator: 'inLastDays', value: 0 }, `must be a whole number of days from 1 to ${MAX_DAYS}`],
    ['inLastDays 1.5', { fact: 'latestRespondedAt', operator: 'inLastDays', value: 1.5 }, `must be a whole number of days from 1 to ${MAX_DAYS}`],
    ['moreThanDaysAgo too many', { fact: 'latestRespondedAt', operator: 'moreThanDaysAgo', value: MAX_DAYS + 1 }, 'must be a whole number of days'],
    ['moreThanDaysAgo as text', { fact: 'latestRespondedAt', operator: 'moreThanDaysAgo', value: '30' }, 'must be a whole number of days'],
    ['in, not an array', { fact: 'role', operator: 'in', value: 'admin' }, `must be an array of 1 to ${MAX_IN_VALUES} values, each a string`],
    ['notIn, empty', { fact: 'latestCategory', operator: 'notIn', value: [] }, 'must be an array of 1 to 1000 values, each one of "promoter", "passive", "detractor"'],
    ['in, too long', { fact: 'latestScore', operator: 'in', value: Array.from({ length: MAX_IN_VALUES + 1 }, () => 1) }, 'must be an array of 1 to 1000 values'],
    ['between, not a pair', { fact: 'latestScore', operator: 'between', value: [1, 2, 3] }, 'must be [low, high], each a number from 0 to 10, with low ≤ high'],
    ['between, reversed', { fact: 'latestScore', operator: 'between', value: [7, 3] }, 'must be [low, high] with low ≤ high; 7 is above 3'],
    ['between dates, reversed', { fact: 'latestRespondedAt', operator: 'between', value: ['2026-02-01', '2026-01-31T23:00:00Z'] }, 'with low ≤ high'],
  ])('of the wrong type for %s says what would be valid', (_title, leaf, message) => {
    expect(leafErrors(leaf)).toEqual([error(`${LEAF}.value`, message)]);
  });

  it('of a boolean fact must be true or false', () => {
    const rule = aTriggerRule({ conditions: { all: [aLeaf({ fact: 'hasComment', operator: 'equal', value: 'yes' })] } });
    expect(errorsOf(rule)).toEqual([error(`${LEAF}.value`, 'must be true or false')]);
  });

  it('inside an array is reported at its index', () => {
    expect(leafErrors({ fact: 'latestCategory', operator: 'in', value: ['promoter', 'fan', 'detractor', 3] })).toEqual([
      error(`${LEAF}.value[1]`, 'must be one of "promoter", "passive", "detractor"'),
      error(`${LEAF}.value[3]`, 'must be one of "promoter", "passive", "detractor"'),
    ]);
    expect(leafErrors({ fact: 'latestRespondedAt', operator: 'between', value: ['2026-01-01', 'soon'] })).toEqual([
      error(`${LEAF}.value[1]`, 'must be an ISO 8601 date'),
    ]);
  });

  it.each([
    ['a score above 10', aListRule({ conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'greaterThan', value: 11 })] } }), '11 is out of range: latestScore is a number from 0 to 10'],
    ['a score below 0', aListRule({ conditions: { all: [aLeaf({ fact: 'latestScore', operator: 'in', value: [-1] })] } }), '-1 is out of range: latestScore is a number from 0 to 10'],
    ['an NPS below -100', aListRule({ conditions: { all: [aLeaf({ fact: 'accountNps', params: { window: 'this_quarter' }, operator: 'lessThan', value: -101 })] } }), '-101 is out of range: accountNps is a number from -100 to 100'],
    ['an NPS above 100', aHealthRule({ criteria: [aCriterion({ conditions: { all: [aLeaf({ fact: 'nps', params: { window: 'last_90_days' }, operator: 'between', value: [0, 101] })] } })] }), '101 is out of range: nps is a number from -100 to 100'],
    ['a negative count', aHealthRule({ criteria: [aCriterion({ conditions: { all: [aLeaf({ fact: 'openTicketCount', operator: 'greaterThan', value: -1 })] } })] }), '-1 is out of range: openTicketCount is a number of 0 or more'],
    ['a score change above 10', aTriggerRule({ conditions: { all: [aLeaf({ fact: 'scoreChange', operator: 'lessThan', value: 11 })] } }), '11 is out of range: scoreChange is a number from -10 to 10'],
  ])('out of range (%s) is refused', (_title, rule, message) => {
    const errors = errorsOf(rule);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(message);
    expect(errors[0]?.path).toMatch(/\.value(\[\d\])?$/);
  });
});

describe('params', () => {
  it('are required by a fact that takes them, naming what they accept', () => {
    expect(leafErrors({ fact: 'accountNps', operator: 'lessThan', value: 0 })).toEqual([
      error(`${LEAF}.params`, 'is required: accountNps takes params "window" (must be a window key: this_month, last_month'),
    ]);
    expect(leafErrors({ fact: 'accountHealth', params: {}, operator: 'equal', value: 'red' })).toEqual([
      error(`${LEAF}.params.dimension`, 'is required by accountHealth: one of relationship, service'),
    ]);
  });

  it('are checked with the fact’s params schema', () => {
    expect(leafErrors({ fact: 'accountNps', params: { window: 'last_quarterly' }, operator: 'lessThan', value: 0 })).toEqual([
      error(`${LEAF}.params.window`, 'must be a window key: this_month, last_month, this_quarter, last_quarter, year_to_date, last_<N>_days or custom:<from>..<to>'),
    ]);
    expect(leafErrors({ fact: 'accountHealth', params: { dimension: 'product' }, operator: 'equal', value: 'red' })).toEqual([
      error(`${LEAF}.params.dimension`, 'expected one of "relationship"|"service"'),
    ]);
    expect(leafErrors({ fact: 'responseCount', params: { window: 'last_30_days', source: 'delighted' }, operator: 'greaterThan', value: 0 })).toEqual([
      error(`${LEAF}.params.source`, 'is not a param of responseCount; it takes "window"'),
    ]);
  });

  it('are refused on a fact that takes none', () => {
    expect(leafErrors({ params: { window: 'last_30_days' } })).toEqual([error(`${LEAF}.params`, 'latestScore takes no params; remove "params"')]);
  });
});

describe('path', () => {
  it('is required on a custom attribute', () => {
    expect(leafErrors({ fact: 'accountAttributes', operator: 'equal', value: 'pro' })).toEqual([
      error(`${LEAF}.path`, 'is required: accountAttributes is an object of custom attributes; read one by its key, e.g. "$.plan"'),
    ]);
  });

  it.each(['$.plan.tier', '$[0]', 'plan', '$.1plan', '$..plan', "$['plan']"])('must be one top-level key, not %s', (path) => {
    expect(leafErrors({ fact: 'attributes', path, operator: 'equal', value: 'pro' })).toEqual([
      error(`${LEAF}.path`, 'must be one top-level key "$.name" (letters, digits and _, not starting with a digit), e.g. "$.plan"'),
    ]);
  });

  it('is refused on a fact that is not an object', () => {
    expect(leafErrors({ fact: 'role', path: '$.name', operator: 'equal', value: 'admin' })).toEqual([
      error(`${LEAF}.path`, 'role is not an object of attributes, so it takes no path; remove "path"'),
    ]);
  });
});

describe('several mistakes', () => {
  it('are all reported at once, structural and catalogue alike', () => {
    const rule = {
      kind: 'health',
      name: 'Service Health',
      dimension: 'service',
      criteria: [
        {
          colour: 'red',
          conditions: {
            any: [
              { fact: 'openCriticalTicketCount', operator: 'greaterThan', value: -1 },
              { fact: 'oldestOpenTicketAge', operator: 'greaterThan', value: 14 },
              { not: { fact: 'segment', operator: 'equal', value: 7 } },
            ],
          },
        },
        { colour: 'amber', conditions: { all: [{ fact: 'nps', operator: 'lessThan', value: 30, params: { window: 'last_9_days' } }] } },
        { colour: 'grey' },
      ],
    };
    expect(errorsOf(rule)).toEqual([
      error('$.name', 'must be a name'),
      error('$.criteria[2].colour', 'must be one of green, amber, red'),
      error('$.criteria[0].conditions.any[0].value', '-1 is out of range'),
      error('$.criteria[0].conditions.any[1].fact', '"oldestOpenTicketAge" is not a fact of accounts'),
      error('$.criteria[0].conditions.any[2].not.value', 'must be a string'),
    ]);
  });
});

describe('size', () => {
  it('refuses a rule nested too deep, at the level too deep, and does not walk it', () => {
    expect(errorsOf(aListRule({ conditions: nestedConditions(MAX_CONDITION_DEPTH) }))).toEqual([]);
    expect(errorsOf(aListRule({ conditions: nestedConditions(MAX_CONDITION_DEPTH + 1, aLeaf({ fact: 'nope' })) }))).toEqual([
      error(`$.conditions${'.all[0]'.repeat(MAX_CONDITION_DEPTH)}`, `more than ${MAX_CONDITION_DEPTH} levels deep`),
    ]);
    expect(errorsOf(aListRule({ conditions: nestedConditions(50_000) }))).toHaveLength(1);
  });

  it('refuses a rule with too many conditions', () => {
    const huge = { any: Array.from({ length: MAX_LEAF_CONDITIONS + 1 }, () => aLeaf({ fact: 'nope' })) };
    expect(errorsOf(aListRule({ conditions: huge }))).toEqual([error('$.conditions', `more than ${MAX_LEAF_CONDITIONS} conditions`)]);
    const inHealth = aHealthRule({ criteria: [aCriterion({ conditions: huge })] });
    expect(errorsOf(inHealth)).toEqual([error('$.criteria[0].conditions', 'at most 200 are allowed')]);
  });
});

describe('what is valid where a mistake is', () => {
  it('comes with the mistake: facts, operators, enum values, params and kinds, and the closest one when a name is close', () => {
    expect(leafErrors({ fact: 'latestscor' })).toEqual([
      { path: `${LEAF}.fact`, message: expect.any(String), validValues: Object.keys(FACT_CATALOGUE.user), suggestion: 'latestScore' },
    ]);
    expect(leafErrors({ fact: 'nothing-like-it' })[0]).not.toHaveProperty('suggestion');
    expect(leafErrors({ fact: 'latestScore', operator: 'lesThan', value: 7 })).toEqual([
      { path: `${LEAF}.operator`, message: expect.any(String), validValues: OPERATORS_BY_TYPE.number, suggestion: 'lessThan' },
    ]);
    expect(leafErrors({ fact: 'latestCategory', operator: 'in', value: ['promoter', 'fan'] })).toEqual([
      { path: `${LEAF}.value[1]`, message: expect.any(String), validValues: ['promoter', 'passive', 'detractor'] },
    ]);
    expect(leafErrors({ fact: 'accountHealth', params: { dimension: 'product' }, operator: 'equal', value: 'red' })).toEqual([
      { path: `${LEAF}.params.dimension`, message: expect.any(String), validValues: ['relationship', 'service'] },
    ]);
    expect(errorsOf({ kind: 'segment', name: 'x' })).toEqual([{ path: '$.kind', message: expect.any(String), validValues: ['list', 'health', 'trigger'] }]);
    expect(errorsOf(aHealthRule({ dimension: 'servce' } as never))).toEqual([{ path: '$.dimension', message: expect.any(String), validValues: ['relationship', 'service'] }]);
  });
});
