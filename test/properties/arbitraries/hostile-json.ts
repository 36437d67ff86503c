import fc from 'fast-check';
import { edgeValue } from './edge-values.ts';

/** Any JSON value, any JavaScript value, or an edge value alone. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), edgeValue);

/** Any value a caller in code could pass: JSON's and also undefined, -0, NaN, sparse arrays, null-prototype objects. */
export const anyValue: fc.Arbitrary<unknown> = fc.anything({ withNullPrototype: true, withSparseArray: true });

/**
 * Objects built from a document's own vocabulary (its field names and the prototype's), so that
 * random values reach the branches a parser takes on real keys, nested a few levels.
 */
export function shapedLike(vocabulary: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.constantFrom(...vocabulary, '__proto__', 'constructor', 'prototype');
  const { node } = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      edgeValue,
      fc.dictionary(key, tie('node'), { maxKeys: 6, noNullPrototype: true }),
      fc.array(tie('node'), { maxLength: 3 }),
    ),
  }));
  return fc.dictionary(key, node, { minKeys: 1, maxKeys: 8, noNullPrototype: true });
}

/** Every key in a JSON document, once each: the vocabulary `shapedLike` builds from. */
export function keysOf(...documents: unknown[]): string[] {
  const keys = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        keys.add(key);
        visit(child);
      }
    }
  };
  documents.forEach(visit);
  return [...keys];
}
