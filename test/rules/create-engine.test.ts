import { describe, expect, it } from 'vitest';
import { createEngine, factKey, factReferences } from '../../rules/create-engine.ts';
import { aLeaf, fixedClock } from '../fixtures/rules.ts';

describe('factKey', () => {
  it('is the fact name without params', () => {
    expect(factKey('latestScore')).toBe('latestScore');
    expect(factKey('latestScore', {})).toBe('latestScore');
  });

  it('lists params sorted by name, whatever order they were written in', () => {
    expect(factKey('accountNps', { window: 'last_90_days' })).toBe('accountNps(window=last_90_days)');
    expect(factKey('x', { window: 'this_quarter', dimension: 'service' })).toBe('x(dimension=service,window=this_quarter)');
    expect(factKey('x', { dimension: 'service', window: 'this_quarter' })).toBe('x(dimension=service,window=this_quarter)');
  });
});

describe('factReferences', () => {
  it('lists each fact a rule reads once per key, through all, any and not', () => {
    const nps90 = aLeaf({ fact: 'accountNps', params: { window: 'last_90_days' }, operator: 'lessThan', value: 0 });
    const conditions = {
      all: [
        aLeaf(),
        { any: [nps90, { not: aLeaf({ operator: 'greaterThan', value: 8 }) }] },
        { not: { ...nps90, value: 30 } },
        aLeaf({ fact: 'accountNps', params: { window: 'this_quarter' }, operator: 'lessThan', value: 0 }),
      ],
    };
    expect(factReferences(conditions)).toEqual([
      { fact: 'latestScore', key: 'latestScore' },
      { fact: 'accountNps', params: { window: 'last_90_days' }, key: 'accountNps(window=last_90_days)' },
      { fact: 'accountNps', params: { window: 'this_quarter' }, key: 'accountNps(window=this_quarter)' },
    ]);
  });
});

describe('createEngine', () => {
  const clock = fixedClock();

  it('reads a fact with params from the value under its fact key', async () => {
    const engine = createEngine(
      'user',
      [
        {
          name: 'falling-nps',
          conditions: {
            all: [
              aLeaf({ fact: 'accountNps', params: { window: 'last_quarter' }, operator: 'greaterThan', value: 20 }),
              aLeaf({ fact: 'accountNps', params: { window: 'this_quarter' }, operator: 'lessThan', value: 0 }),
            ],
          },
        },
      ],
      clock,
    );
    const [held] = await engine.run({ 'accountNps(window=last_quarter)': 35, 'accountNps(window=this_quarter)': -10, accountNps: 99 });
    expect(held?.result).toBe(true);
    const [failed] = await engine.run({ 'accountNps(window=last_quarter)': 35, accountNps: -10 });
    expect(failed?.result).toBe(false);
  });

  it('gives the result of each rule in the order the rules were given', async () => {
    const engine = createEngine(
      'account',
      [
        { name: 'low', conditions: { all: [aLeaf({ fact: 'openTicketCount', operator: 'lessThan', value: 3 })] } },
        { name: 'high', conditions: { all: [aLeaf({ fact: 'openTicketCount', operator: 'greaterThan', value: 3 })] } },
      ],
      clock,
    );
    const results = await engine.run({ openTicketCount: 5 });
    expect(results.map((result) => [result.name, result.result])).toEqual([
      ['low', false],
      ['high', true],
    ]);
  });

  it('keeps concurrent runs of one engine apart', async () => {
    // json-rules-engine's one status per engine made overlapping runs skip their rules.
    const engine = createEngine('user', [{ name: 'low-score', conditions: { all: [aLeaf({ operator: 'lessThan', value: 7 })] } }], clock);
    const runs: Promise<boolean>[] = [];
    for (let i = 0; i < 300; i++) {
      runs.push(engine.run({ latestScore: i % 11 }).then(([result]) => result?.result === i % 11 < 7));
      for (let tick = 0; tick < i % 13; tick++) await Promise.resolve();
    }
    expect(await Promise.all(runs)).toEqual(runs.map(() => true));
  });
});
