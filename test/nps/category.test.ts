import { describe, expect, it } from 'vitest';
import { NPS_CATEGORIES, categoryOf, isNpsScore } from '../../nps/category.ts';

describe('categoryOf', () => {
  const expected = [
    [0, 'detractor'],
    [1, 'detractor'],
    [2, 'detractor'],
    [3, 'detractor'],
    [4, 'detractor'],
    [5, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ] as const;

  it.each(expected)('score %i is a %s', (score, category) => {
    expect(categoryOf(score)).toBe(category);
  });

  it.each([-1, 11, 6.5, Number.NaN, Infinity])('rejects %s with the score in the message', (score) => {
    expect(() => categoryOf(score)).toThrow(RangeError);
    expect(() => categoryOf(score)).toThrow(String(score));
  });

  it('has exactly three categories', () => {
    expect(NPS_CATEGORIES).toEqual(['promoter', 'passive', 'detractor']);
  });
});

describe('isNpsScore', () => {
  it('accepts every integer 0..10', () => {
    for (let score = 0; score <= 10; score += 1) expect(isNpsScore(score)).toBe(true);
  });

  it.each([-1, 11, 9.5, Number.NaN, '9', null, undefined, {}])('rejects %s', (value) => {
    expect(isNpsScore(value)).toBe(false);
  });
});
