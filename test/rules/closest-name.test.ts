import { describe, expect, it } from 'vitest';
import { closestName } from '../../rules/closest-name.ts';

describe('closestName', () => {
  const operators = ['equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'in', 'notIn'];

  it('finds the known name a typo is closest to, ignoring case', () => {
    expect(closestName('lesThan', operators)).toBe('lessThan');
    expect(closestName('lessthan', operators)).toBe('lessThan');
    expect(closestName('equals', operators)).toBe('equal');
    expect(closestName('greaterThen', operators)).toBe('greaterThan');
  });

  it('suggests nothing for a name too far from any known one', () => {
    expect(closestName('contains', operators)).toBeUndefined();
    expect(closestName('gt', operators)).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });

  it('allows one edit in a short name and about a third of a long one', () => {
    expect(closestName('im', operators)).toBe('in');
    expect(closestName('x', ['y'])).toBe('y');
    expect(closestName('xy', ['yz'])).toBeUndefined();
    expect(closestName('lesThanInclusiv', operators)).toBe('lessThanInclusive');
    expect(closestName('lessThanOrEqual', operators)).toBeUndefined();
  });
});
