import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_RULES, DEFAULT_LIST_RULES, DEFAULT_RULES, DEFAULT_TRIGGER_RULES } from '../../rules/default-rules.ts';
import { evaluateHealthRule, evaluateRule } from '../../rules/evaluate-rule.ts';
import type { HealthRule, ListRule, TriggerRule } from '../../rules/rule-schema.ts';
import { validateRule } from '../../rules/validate-rule.ts';
import { NOW, fixedClock } from '../fixtures/rules.ts';

const clock = fixedClock();
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * DAY).toISOString();

function byName<T extends { name: string }>(rules: readonly T[], name: string): T {
  const rule = rules.find((candidate) => candidate.name === name);
  if (rule === undefined) throw new Error(`no default rule ${name}`);
  return rule;
}

const list = (name: string): ListRule => byName(DEFAULT_LIST_RULES, name);
const health = (name: string): HealthRule => byName(DEFAULT_HEALTH_RULES, name);
const trigger = (name: string): TriggerRule => byName(DEFAULT_TRIGGER_RULES, name);

it.each(DEFAULT_RULES.map((rule) => [rule.name, rule] as const))('%s passes validateRule', (_name, rule) => {
  expect(validateRule(rule)).toEqual({ ok: true, rule });
});

it('has unique names', () => {
  expect(new Set(DEFAULT_RULES.map((rule) => rule.name)).size).toBe(DEFAULT_RULES.length);
});

describe('lists', () => {
  it.each([
    ['promoters-last-30-days', 'promoter'],
    ['passives-last-30-days', 'passive'],
    ['detractors-last-30-days', 'detractor'],
  ])('%s holds users whose latest response is a %s given in the last 30 days', async (name, category) => {
    const rule = list(name);
    expect((await evaluateRule(rule, { latestCategory: category, latestRespondedAt: daysAgo(30) }, clock)).matched).toBe(true);
    expect((await evaluateRule(rule, { latestCategory: category, latestRespondedAt: daysAgo(31) }, clock)).matched).toBe(false);
    expect((await evaluateRule(rule, { latestCategory: category }, clock)).matched).toBe(false);
    const other = category === 'promoter' ? 'detractor' : 'promoter';
    expect((await evaluateRule(rule, { latestCategory: other, latestRespondedAt: daysAgo(1) }, clock)).matched).toBe(false);
  });

  it('admin-detractors holds admins whose latest response is a detractor', async () => {
    const rule = list('admin-detractors');
    expect((await evaluateRule(rule, { latestCategory: 'detractor', role: 'admin' }, clock)).matched).toBe(true);
    expect((await evaluateRule(rule, { latestCategory: 'detractor', role: 'viewer' }, clock)).matched).toBe(false);
    expect((await evaluateRule(rule, { latestCategory: 'passive', role: 'admin' }, clock)).matched).toBe(false);
  });
});

describe('relationship health', () => {
  const rule = health('relationship-health');
  const facts = (nps90: number | null, detractors30: number) => ({
    'nps(window=last_90_days)': nps90,
    'detractorCount(window=last_30_days)': detractors30,
  });

  it('is a relationship rule over NPS', () => {
    expect(rule.dimension).toBe('relationship');
  });

  it('is red when NPS over 90 days is below 0, or with a detractor in the last 30 days', async () => {
    expect(await evaluateHealthRule(rule, facts(-12, 0), clock)).toEqual({
      colour: 'red',
      criterionIndex: 0,
      reasons: ['NPS over the last 90 days is below 0, or a detractor in the last 30 days', 'nps(window=last_90_days) = -12 is lessThan 0'],
    });
    expect(await evaluateHealthRule(rule, facts(50, 1), clock)).toMatchObject({
      colour: 'red',
      reasons: [expect.any(String), 'detractorCount(window=last_30_days) = 1 is greaterThan 0'],
    });
  });

  it('is amber when that NPS is below 30, green otherwise', async () => {
    expect(await evaluateHealthRule(rule, facts(0, 0), clock)).toMatchObject({ colour: 'amber', criterionIndex: 1 });
    expect(await evaluateHealthRule(rule, facts(29, 0), clock)).toMatchObject({ colour: 'amber' });
    expect(await evaluateHealthRule(rule, facts(30, 0), clock)).toMatchObject({ colour: 'green', criterionIndex: 2 });
  });

  it('is green for an account without responses, whose NPS is unknown', async () => {
    expect(await evaluateHealthRule(rule, facts(null, 0), clock)).toMatchObject({ colour: 'green' });
    expect(await evaluateHealthRule(rule, {}, clock)).toMatchObject({ colour: 'green' });
  });
});

describe('service health', () => {
  const rule = health('service-health');

  it('is a service rule over tickets', () => {
    expect(rule.dimension).toBe('service');
  });

  it.each([
    [{ openCriticalTicketCount: 1, openTicketCount: 1, oldestOpenTicketAgeDays: 1 }, 'red'],
    [{ openCriticalTicketCount: 0, openTicketCount: 1, oldestOpenTicketAgeDays: 15 }, 'red'],
    [{ openCriticalTicketCount: 0, openTicketCount: 1, oldestOpenTicketAgeDays: 14 }, 'amber'],
    [{ openCriticalTicketCount: 0, openTicketCount: 4, oldestOpenTicketAgeDays: 2 }, 'amber'],
    [{ openCriticalTicketCount: 0, openTicketCount: 3, oldestOpenTicketAgeDays: 7 }, 'green'],
    [{ openCriticalTicketCount: 0, openTicketCount: 0 }, 'green'],
  ])('%o is %s', async (facts, colour) => {
    expect(await evaluateHealthRule(rule, facts, clock)).toMatchObject({ colour });
  });
});

describe('triggers', () => {
  it.each([
    ['promoter', 10, true],
    ['promoter', 8, false],
    ['detractor', 6, true],
    ['detractor', 7, false],
  ])('%s on a response scored %i: %s', async (name, score, expected) => {
    const category = score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
    expect((await evaluateRule(trigger(name), { score, category }, clock)).matched).toBe(expected);
  });
});
