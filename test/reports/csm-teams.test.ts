import { describe, expect, it } from 'vitest';
import { teamOf, teamsOf } from '../../reports/csm-teams.ts';
import { attributePathKeys, attributePathSchema } from '../../reports/dimensions.ts';

describe('teams in the CSM chain', () => {
  const chain = [
    { id: 1, managerId: null },
    { id: 2, managerId: 1 },
    { id: 3, managerId: 2 },
    { id: 4, managerId: 2 },
    { id: 5, managerId: 1 },
    { id: 6, managerId: null },
  ];

  it('holds a manager and everyone under them at any depth', () => {
    expect(teamOf(chain, 1)).toEqual([1, 2, 3, 4, 5]);
    expect(teamOf(chain, 2)).toEqual([2, 3, 4]);
    expect(teamOf(chain, 3)).toEqual([3]);
    expect([...teamsOf(chain)]).toEqual([
      [1, [1, 2, 3, 4, 5]],
      [2, [2, 3, 4]],
    ]);
  });

  it('stops where a chain loops back on itself', () => {
    const looped = [
      { id: 1, managerId: 2 },
      { id: 2, managerId: 1 },
    ];
    expect(teamOf(looped, 1)).toEqual([1, 2]);
    expect([...teamsOf(looped)]).toEqual([
      [1, [1, 2]],
      [2, [1, 2]],
    ]);
  });
});

describe('attribute paths', () => {
  it('reads member paths and refuses anything else, saying what it takes', () => {
    expect(attributePathKeys('$.billing.plan')).toEqual(['billing', 'plan']);
    expect(attributePathSchema.safeParse('$.plan').success).toBe(true);
    for (const bad of ['plan', '$', '$.', '$.a..b', "$.a'); drop table users; --", '$[0]']) {
      const parsed = attributePathSchema.safeParse(bad);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/JSON path of member names such as \$\.plan/);
    }
  });
});
