import { describe, expect, it } from 'vitest';
import { FACT_CATALOGUE } from '../../rules/fact-catalogue.ts';
import {
  MAX_HEALTH_CRITERIA,
  RULE_SUBJECTS,
  healthRuleSchema,
  listRuleSchema,
  ruleDefinitionSchema,
  triggerRuleSchema,
} from '../../rules/rule-schema.ts';
import { aCriterion, aHealthRule, aListRule, aTriggerRule } from '../fixtures/rules.ts';

function issuesOf(input: unknown): [string, string][] {
  const parsed = ruleDefinitionSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
}

describe('rule kinds', () => {
  it('parses each kind, discriminated on kind', () => {
    for (const rule of [aListRule({ description: 'Detractors' }), aHealthRule(), aTriggerRule()]) {
      expect(ruleDefinitionSchema.parse(rule)).toEqual(rule);
    }
    expect(listRuleSchema.safeParse(aTriggerRule()).success).toBe(false);
    expect(triggerRuleSchema.safeParse(aTriggerRule()).success).toBe(true);
    expect(healthRuleSchema.safeParse(aHealthRule()).success).toBe(true);
  });

  it('names the subject each kind is evaluated over, all of them in the catalogue', () => {
    expect(RULE_SUBJECTS).toEqual({ list: 'user', health: 'account', trigger: 'response_event' });
    for (const subject of Object.values(RULE_SUBJECTS)) expect(FACT_CATALOGUE[subject]).toBeDefined();
  });

  it('refuses an unknown kind, saying which exist', () => {
    expect(issuesOf({ ...aListRule(), kind: 'segment' })).toEqual([['kind', 'must be a rule with "kind" one of list, health, trigger']]);
    expect(issuesOf('not a rule')).toEqual([['', 'must be a rule with "kind" one of list, health, trigger']]);
  });
});

describe('names', () => {
  it('takes 1 to 100 characters of a-z, 0-9 and -', () => {
    for (const name of ['a', 'admin-detractors', '30-day-promoters', 'x'.repeat(100)]) expect(issuesOf(aListRule({ name }))).toEqual([]);
    for (const name of ['', 'Admin', 'admin detractors', 'admin_detractors', 'x'.repeat(101), 'é']) {
      expect(issuesOf(aListRule({ name }))).toEqual([['name', expect.stringContaining('1 to 100 characters a-z, 0-9 and -')]]);
    }
  });
});

describe('health rules', () => {
  it('take an ordered list of criteria, the last of which may have no conditions', () => {
    expect(issuesOf(aHealthRule({ criteria: [aCriterion(), aCriterion({ colour: 'amber', reason: 'Some tickets' }), { colour: 'green' }] }))).toEqual([]);
    expect(issuesOf(aHealthRule({ criteria: [aCriterion()] }))).toEqual([]);
  });

  it('refuse an unconditional criterion before others, which could then never apply', () => {
    expect(issuesOf(aHealthRule({ criteria: [{ colour: 'green' }, aCriterion()] }))).toEqual([
      ['criteria.0', expect.stringContaining('make it the last criterion or give it conditions')],
    ]);
  });

  it('refuse an unknown colour or dimension, and no or too many criteria', () => {
    expect(issuesOf({ ...aHealthRule(), dimension: 'product' })).toEqual([['dimension', 'must be one of relationship, service']]);
    expect(issuesOf(aHealthRule({ criteria: [aCriterion({ colour: 'blue' as never })] }))).toEqual([
      ['criteria.0.colour', 'must be one of green, amber, red'],
    ]);
    expect(issuesOf(aHealthRule({ criteria: [] }))).toEqual([['criteria', 'must hold at least one criterion']]);
    expect(issuesOf(aHealthRule({ criteria: Array.from({ length: MAX_HEALTH_CRITERIA + 1 }, () => aCriterion()) }))).toEqual([
      ['criteria', `must hold at most ${MAX_HEALTH_CRITERIA} criteria`],
    ]);
  });
});

describe('unknown properties', () => {
  it('are refused with the properties each object has', () => {
    const parsed = ruleDefinitionSchema.safeParse({ ...aTriggerRule(), enabled: true });
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['enabled'], message: expect.stringContaining('kind, name, description and conditions') }),
    ]);
  });
});
