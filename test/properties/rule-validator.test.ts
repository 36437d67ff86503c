import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateRule } from '../../rules/validate-rule.ts';
import { mutatedJson } from './arbitraries/json-mutations.ts';
import { KNOWN_RULES, ruleDocument, validRule } from './arbitraries/rule-documents.ts';
import { expectErrorsToPointInto, sameJson } from './json-documents.ts';
import { propertyRuns } from './property-runs.ts';

/*
 * The rule validator on arbitrary documents: it throws nothing, each error carries a JSON path
 * that resolves in the document it was given, and a rule it takes is kept exactly as written and
 * taken again after a JSON round trip (which is how it is stored and read back).
 */

describe('rule validator on arbitrary documents', () => {
  it('throws nothing, and every error names a JSON path into the document', () => {
    fc.assert(
      fc.property(ruleDocument, (document) => {
        const validation = validateRule(document);
        if (!validation.ok) expectErrorsToPointInto(document, validation.errors);
      }),
      propertyRuns(1_000),
    );
  });

  it('keeps every rule it takes as written, and takes it again after a JSON round trip', () => {
    fc.assert(
      fc.property(fc.oneof(validRule, ruleDocument), (document) => {
        const validation = validateRule(document);
        if (!validation.ok) return;
        sameJson(validation.rule, document);
        const again = validateRule(JSON.parse(JSON.stringify(validation.rule)));
        expect(again.ok, JSON.stringify(again)).toBe(true);
        if (again.ok) sameJson(again.rule, validation.rule);
      }),
      propertyRuns(1_000),
    );
  });

  it('never drops a key that names the prototype: a rule that has one is refused at its path', () => {
    const withPrototypeKey = fc.oneof(validRule, fc.constantFrom(...KNOWN_RULES)).chain((rule) => mutatedJson(rule, { kinds: ['prototype-key'], maxMutations: 1 }));
    fc.assert(
      fc.property(withPrototypeKey, (document) => {
        const validation = validateRule(document);
        if (validation.ok) sameJson(validation.rule, document);
        else expectErrorsToPointInto(document, validation.errors);
      }),
      propertyRuns(500),
    );
  });

  it('refuses a "__proto__" key in a condition\'s params at its path, where it used to vanish from the rule it took', () => {
    const document = JSON.parse(
      '{"kind":"list","name":"busy","conditions":{"all":[{"fact":"responseCount","params":{"window":"last_90_days","__proto__":{"window":"this_month"}},"operator":"greaterThan","value":3}]}}',
    ) as unknown;
    expect(validateRule(document)).toEqual({
      ok: false,
      errors: [{ path: '$.conditions.all[0].params.__proto__', message: expect.stringContaining('is not a param of responseCount'), validValues: ['window'] }],
    });
  });

  it('takes every rule built from the fact catalogue, and every shipped one', () => {
    for (const rule of KNOWN_RULES) expect(validateRule(rule), rule.name).toMatchObject({ ok: true });
    fc.assert(
      fc.property(validRule, (rule) => {
        const validation = validateRule(rule);
        expect(validation.ok, JSON.stringify(validation)).toBe(true);
      }),
      propertyRuns(500),
    );
  });
});
