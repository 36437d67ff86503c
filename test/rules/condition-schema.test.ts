import { describe, expect, it } from 'vitest';
import {
  MAX_CONDITION_DEPTH,
  MAX_LEAF_CONDITIONS,
  conditionSchema,
  topLevelConditionSchema,
} from '../../rules/condition-schema.ts';
import { aLeaf, nestedConditions } from '../fixtures/rules.ts';

/** Each issue as [path, message], for exact expectations. */
function issuesOf(schema: typeof conditionSchema | typeof topLevelConditionSchema, input: unknown): [string, string][] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
}

describe('condition forms', () => {
  it('accepts all, any, not and leaves, nested, with optional path, params and priority', () => {
    const conditions = {
      all: [
        aLeaf(),
        { any: [aLeaf({ fact: 'attributes', path: '$.plan', operator: 'equal', value: 'pro' }), { not: aLeaf() }], priority: 2 },
        aLeaf({ fact: 'accountNps', params: { window: 'last_90_days' }, operator: 'lessThan', value: 0, priority: 3 }),
      ],
    };
    expect(topLevelConditionSchema.parse(conditions)).toEqual(conditions);
  });

  it('accepts any value shape in a leaf: the catalogue decides which fits', () => {
    for (const value of [null, false, 0, '', [], { fact: 'x' }]) expect(conditionSchema.safeParse(aLeaf({ value })).success).toBe(true);
  });

  it('wants a group at the top, as json-rules-engine does', () => {
    expect(issuesOf(topLevelConditionSchema, aLeaf())).toEqual([
      ['', expect.stringContaining('wrap a single condition in { "all": [ ... ] }')],
    ]);
    expect(conditionSchema.safeParse(aLeaf()).success).toBe(true);
  });

  it('reports a mistake inside the form the keys name, at its path', () => {
    expect(issuesOf(topLevelConditionSchema, { all: [aLeaf(), { any: [aLeaf({ operator: 5 as never })] }] })).toEqual([
      ['all.1.any.0.operator', 'must be the name of an operator'],
    ]);
    expect(issuesOf(topLevelConditionSchema, { not: { fact: 'latestScore', operator: 'isKnown' } })).toEqual([
      ['not.value', expect.stringContaining('is required')],
    ]);
  });

  it('refuses empty groups, which json-rules-engine would hold true', () => {
    expect(issuesOf(topLevelConditionSchema, { all: [] })).toEqual([['all', expect.stringContaining('at least one condition')]]);
    expect(issuesOf(topLevelConditionSchema, { any: [] })).toEqual([['any', expect.stringContaining('at least one condition')]]);
  });

  it('refuses what is not a condition', () => {
    expect(issuesOf(topLevelConditionSchema, { all: [7] })).toEqual([['all.0', expect.stringContaining('must be a condition: { "all"')]]);
    expect(issuesOf(topLevelConditionSchema, { all: aLeaf() })).toEqual([['all', expect.stringContaining('must be an array of conditions')]]);
    expect(issuesOf(topLevelConditionSchema, { all: [aLeaf()], any: [aLeaf()] })).toEqual([
      ['', 'must have exactly one of all, any or not, not all and any'],
    ]);
    expect(issuesOf(topLevelConditionSchema, { all: [{ condition: 'shared' }] })).toEqual([
      ['all.0.condition', 'condition references are not supported; write the condition inline'],
    ]);
  });

  it('refuses unknown keys and a priority below 1', () => {
    const parsed = topLevelConditionSchema.safeParse({ all: [{ ...aLeaf(), opertor: 'equal', priority: 0 }], name: 'x' });
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['all', 0, 'priority'], message: expect.stringContaining('1 or more') }),
      expect.objectContaining({ code: 'unrecognized_keys', path: ['all', 0], keys: ['opertor'] }),
      expect.objectContaining({ code: 'unrecognized_keys', path: [], keys: ['name'] }),
    ]);
  });
});

describe('bounds', () => {
  it(`accepts conditions ${MAX_CONDITION_DEPTH} levels deep and refuses one more, at the path of the level too deep`, () => {
    expect(topLevelConditionSchema.safeParse(nestedConditions(MAX_CONDITION_DEPTH)).success).toBe(true);
    expect(issuesOf(topLevelConditionSchema, nestedConditions(MAX_CONDITION_DEPTH + 1))).toEqual([
      [Array(MAX_CONDITION_DEPTH).fill('all.0').join('.'), expect.stringContaining(`more than ${MAX_CONDITION_DEPTH} levels deep`)],
    ]);
  });

  it(`accepts ${MAX_LEAF_CONDITIONS} leaves and refuses more`, () => {
    const leaves = (count: number) => ({ any: [{ all: Array.from({ length: count - 1 }, () => aLeaf()) }, aLeaf()] });
    expect(topLevelConditionSchema.safeParse(leaves(MAX_LEAF_CONDITIONS)).success).toBe(true);
    expect(issuesOf(topLevelConditionSchema, leaves(MAX_LEAF_CONDITIONS + 1))).toEqual([
      ['', expect.stringContaining(`more than ${MAX_LEAF_CONDITIONS} conditions`)],
    ]);
  });

  it('refuses a hostile document without recursing through it', () => {
    expect(issuesOf(topLevelConditionSchema, nestedConditions(100_000))).toHaveLength(1);
    expect(issuesOf(topLevelConditionSchema, { all: Array.from({ length: 1_000_000 }, () => 1) })).toEqual([
      ['', expect.stringContaining(`more than ${MAX_LEAF_CONDITIONS} conditions`)],
    ]);
  });
});
