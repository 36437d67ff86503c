import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateJourneyDefinition } from '../../journeys/journey-definition.ts';
import { mutatedJson } from './arbitraries/json-mutations.ts';
import { BUILT_IN_DEFINITIONS, journeyDocument, validJourney } from './arbitraries/journey-documents.ts';
import { expectErrorsToPointInto, sameJson } from './json-documents.ts';
import { propertyRuns } from './property-runs.ts';

/*
 * The journey validator on arbitrary documents: it throws nothing, each error carries a JSON path
 * that resolves in the document it was given (the trigger's included), and a journey it takes
 * keeps everything it was given, gains only its defaults, and is taken again after a JSON round
 * trip (which is how it is stored and copied into each enrollment).
 */

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

describe('journey validator on arbitrary documents', () => {
  it('throws nothing, and every error names a JSON path into the document', () => {
    fc.assert(
      fc.property(journeyDocument, (document) => {
        const validation = validateJourneyDefinition(document);
        if (!validation.ok) expectErrorsToPointInto(document, validation.errors);
      }),
      propertyRuns(1_000),
    );
  });

  it('keeps what a journey it takes says, adds only defaults, and takes it again after a JSON round trip', () => {
    fc.assert(
      fc.property(fc.oneof(validJourney, journeyDocument), (document) => {
        const validation = validateJourneyDefinition(document);
        if (!validation.ok) return;
        expect(asJson(validation.journey)).toMatchObject(asJson(document) as object);
        const again = validateJourneyDefinition(asJson(validation.journey));
        expect(again.ok, JSON.stringify(again)).toBe(true);
        if (again.ok) sameJson(again.journey, validation.journey);
      }),
      propertyRuns(1_000),
    );
  });

  it('never drops a key that names the prototype: a journey that has one is refused at its path', () => {
    const withPrototypeKey = fc
      .oneof(validJourney, fc.constantFrom(...BUILT_IN_DEFINITIONS))
      .chain((journey) => mutatedJson(journey, { kinds: ['prototype-key'], maxMutations: 1 }));
    fc.assert(
      fc.property(withPrototypeKey, (document) => {
        const validation = validateJourneyDefinition(document);
        if (validation.ok) expect(asJson(validation.journey)).toMatchObject(asJson(document) as object);
        else expectErrorsToPointInto(document, validation.errors);
      }),
      propertyRuns(500),
    );
  });

  it('takes every journey built from its parts, and every built-in one', () => {
    for (const journey of BUILT_IN_DEFINITIONS) expect(validateJourneyDefinition(journey), journey.name).toMatchObject({ ok: true });
    fc.assert(
      fc.property(validJourney, (journey) => {
        const validation = validateJourneyDefinition(journey);
        expect(validation.ok, JSON.stringify(validation)).toBe(true);
      }),
      propertyRuns(500),
    );
  });
});
