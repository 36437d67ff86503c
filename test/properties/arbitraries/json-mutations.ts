import fc from 'fast-check';
import { edgeValue } from './edge-values.ts';

/*
 * Mutants of a valid document: one to a few changes, each at a place inside it — a field
 * dropped, retyped, duplicated, nested one level deeper, replaced by an edge value, or joined
 * by a key that names the prototype. The document is cloned first; the original is never changed.
 */

export type PathStep = string | number;

const MUTATIONS = ['drop', 'retype', 'duplicate', 'nest', 'edge', 'prototype-key'] as const;
export type MutationKind = (typeof MUTATIONS)[number];

interface Mutation {
  kind: MutationKind;
  /** Which place, as an index into every place of the document at that moment. */
  at: number;
  replacement: unknown;
  prototypeKey: string;
}

const mutationArbitrary = (kinds: readonly MutationKind[]): fc.Arbitrary<Mutation> =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    at: fc.nat(),
    replacement: fc.oneof(edgeValue, fc.jsonValue({ maxDepth: 2 })),
    prototypeKey: fc.constantFrom('__proto__', 'constructor', 'prototype'),
  });

/** Mutants of `document` (a JSON value), one to `maxMutations` changes each, of the given kinds (by default all). */
export function mutatedJson(
  document: unknown,
  { maxMutations = 3, kinds = MUTATIONS }: { maxMutations?: number; kinds?: readonly MutationKind[] } = {},
): fc.Arbitrary<unknown> {
  const mutation = mutationArbitrary(kinds);
  // One change alone most often, so that a mutant is often still valid but for that change.
  const mutations = fc.oneof({ weight: 3, arbitrary: fc.tuple(mutation) }, fc.array(mutation, { minLength: 1, maxLength: maxMutations }));
  return mutations.map((changes) => changes.reduce<unknown>((mutant, mutation) => applyMutation(mutant, mutation), structuredClone(document)));
}

/** Every place in a JSON value, the root first, as the steps that lead to it. */
export function placesIn(value: unknown, path: PathStep[] = []): PathStep[][] {
  const places = [path];
  if (Array.isArray(value)) value.forEach((item, index) => places.push(...placesIn(item, [...path, index])));
  else if (isObject(value)) for (const key of Object.keys(value)) places.push(...placesIn(value[key], [...path, key]));
  return places;
}

function applyMutation(document: unknown, mutation: Mutation): unknown {
  const everywhere = placesIn(document);
  // A prototype key goes into an object of the document: its own keys are what a parser copies.
  const objects = everywhere.filter((place) => isObject(valueAt(document, place)));
  const places = mutation.kind === 'prototype-key' && objects.length > 0 ? objects : everywhere;
  const path = places[mutation.at % places.length] as PathStep[];
  const replacement = structuredClone(mutation.replacement);
  if (path.length === 0) return mutatedRoot(document, mutation, replacement);
  const parent = valueAt(document, path.slice(0, -1));
  const step = path[path.length - 1] as PathStep;
  const current = (parent as Record<PathStep, unknown>)[step];
  switch (mutation.kind) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(step as number, 1);
      else delete (parent as Record<PathStep, unknown>)[step];
      break;
    case 'retype':
      setOwn(parent, step, retyped(current, replacement));
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(step as number, 0, structuredClone(current));
      // JSON objects cannot hold a key twice: the copy goes under the key as another spelling.
      else setOwn(parent, `${String(step).toUpperCase()}`, structuredClone(current));
      break;
    case 'nest':
      setOwn(parent, step, nested(current, step));
      break;
    case 'edge':
      setOwn(parent, step, replacement);
      break;
    case 'prototype-key':
      if (isObject(current)) setOwn(current, mutation.prototypeKey, replacement);
      else if (isObject(parent)) setOwn(parent, mutation.prototypeKey, replacement);
      else setOwn(parent, step, withOwn({}, mutation.prototypeKey, replacement));
      break;
  }
  return document;
}

function mutatedRoot(document: unknown, mutation: Mutation, replacement: unknown): unknown {
  switch (mutation.kind) {
    case 'drop':
      return null;
    case 'retype':
      return retyped(document, replacement);
    case 'duplicate':
      return [document, structuredClone(document)];
    case 'nest':
      return nested(document, 'value');
    case 'edge':
      return replacement;
    case 'prototype-key':
      return isObject(document) ? withOwn(document, mutation.prototypeKey, replacement) : withOwn({}, mutation.prototypeKey, replacement);
  }
}

/** A value of another JSON type than `value`, e.g. the number 9 as the text "9" or the array [9]. */
function retyped(value: unknown, replacement: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : [value];
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, index) => [String(index), item]));
  if (isObject(value)) return Object.values(value);
  return replacement;
}

function nested(value: unknown, step: PathStep): unknown {
  return typeof step === 'number' ? [value] : { [step]: value };
}

function valueAt(document: unknown, path: readonly PathStep[]): unknown {
  return path.reduce<unknown>((node, step) => (node as Record<PathStep, unknown>)[step], document);
}

/** Sets an own property, even one named `__proto__` (as JSON.parse does), never the prototype. */
function setOwn(target: unknown, key: PathStep, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function withOwn<T extends object>(target: T, key: string, value: unknown): T {
  setOwn(target, key, value);
  return target;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
