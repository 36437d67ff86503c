import fc from 'fast-check';
import type { SourceName } from '../../../ingest/sources/index.ts';
import { defaultRetentlyFieldMapping, retentlyFieldMappingSchema, type RetentlyFieldMapping } from '../../../ingest/sources/retently.ts';
import {
  askNicelyPayload,
  delightedCommentUpdate,
  delightedEvent,
  delightedUnsubscribe,
  genericResponse,
  retentlyCustomTemplateMapping,
  retentlyCustomTemplatePayload,
  retentlyPayload,
  wootricDeclineEvent,
  wootricFormBody,
  wootricResponseEvent,
} from '../../fixtures/vendor-payloads.ts';
import { edgeDate, edgeString } from './edge-values.ts';
import { anyJson, anyValue, keysOf, shapedLike } from './hostile-json.ts';
import { mutatedJson } from './json-mutations.ts';

/*
 * What a survey tool could send each source's adapter: its real payloads (the fixtures), mutants
 * of them, documents in its vocabulary, and anything at all.
 */

/** The payloads each survey tool really sends, as JSON. */
export const REAL_PAYLOADS: Record<SourceName, () => unknown[]> = {
  delighted: () => [delightedEvent(), delightedCommentUpdate(), delightedUnsubscribe()],
  wootric: () => [wootricResponseEvent(), wootricDeclineEvent()],
  asknicely: () => [askNicelyPayload(), askNicelyPayload({ count: '2', question: { comment: 'Support took four days.' } })],
  retently: () => [retentlyPayload()],
  generic: () => [
    genericResponse(),
    genericResponse({ id: undefined, source: undefined }),
    { responses: [genericResponse(), genericResponse({ id: 'crm-77121', email: 'Ana.Silva@Acme.example', score: 3 })] },
  ],
};

/** Where each tool's real payloads say when the score was given. */
const DATE_FIELDS: Record<SourceName, readonly string[]> = {
  delighted: ['event_data', 'created_at'],
  wootric: ['response', 'created_at'],
  asknicely: ['question', 'responded'],
  retently: ['createdDate'],
  generic: ['respondedAt'],
};

/** A copy of `payload` with the value at `path` replaced, when the path is there. */
function withValueAt(payload: unknown, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(payload);
  const parent = path.slice(0, -1).reduce<unknown>((node, step) => (node as Record<string, unknown> | undefined)?.[step], copy);
  if (typeof parent === 'object' && parent !== null) (parent as Record<string, unknown>)[path[path.length - 1]!] = value;
  return copy;
}

/** A payload for `source`'s adapter: real, real but dated at an edge, mutated, in the vendor's vocabulary, or any JSON. */
export function vendorPayload(source: SourceName): fc.Arbitrary<unknown> {
  const real = REAL_PAYLOADS[source]();
  return fc.oneof(
    fc.constantFrom(...real),
    fc.tuple(fc.constantFrom(...real), edgeDate).map(([payload, date]) => withValueAt(payload, DATE_FIELDS[source], date)),
    { weight: 4, arbitrary: fc.oneof(...real.map((payload) => mutatedJson(payload))) },
    { weight: 2, arbitrary: shapedLike(keysOf(...real)) },
    anyJson,
  );
}

/** Like `vendorPayload`, and also values no JSON parser returns: undefined, NaN, sparse arrays, null prototypes. */
export function anyPayload(source: SourceName): fc.Arbitrary<unknown> {
  return fc.oneof(vendorPayload(source), anyValue);
}

const mappingStep = fc.oneof(
  fc.constantFrom('email', 'score', 'customer', 'feedback', 'answers', 'id', '__proto__', 'constructor', 'prototype', 'toString', 'length', '0'),
  fc.string({ minLength: 1, maxLength: 8 }).filter((name) => !/[.[\]]/.test(name)),
);
const mappingPath = fc
  .tuple(mappingStep, fc.array(fc.oneof(mappingStep.map((name) => `.${name}`), fc.nat(3).map((index) => `[${index}]`)), { maxLength: 3 }))
  .map(([first, rest]) => first + rest.join(''));

/** A Retently field mapping an admin could configure: any that the mapping's schema takes. */
export const retentlyMapping: fc.Arbitrary<RetentlyFieldMapping> = fc
  .record(
    { email: mappingPath, score: mappingPath, respondedAt: mappingPath, comment: mappingPath, responseId: mappingPath, eventId: mappingPath },
    { requiredKeys: ['email', 'score', 'respondedAt'] },
  )
  .filter((mapping) => retentlyFieldMappingSchema.safeParse(mapping).success);

/** A Retently payload with the mapping it is read through: the stock and a custom template, or any mapping at all. */
export const retentlyCase: fc.Arbitrary<{ payload: unknown; mapping: RetentlyFieldMapping }> = fc.oneof(
  fc.record({ payload: vendorPayload('retently'), mapping: fc.constant(defaultRetentlyFieldMapping) }),
  fc.record({
    payload: fc.oneof(fc.constant(retentlyCustomTemplatePayload()), mutatedJson(retentlyCustomTemplatePayload()), shapedLike(keysOf(retentlyCustomTemplatePayload()))),
    mapping: fc.constant(retentlyCustomTemplateMapping),
  }),
  fc.record({ payload: fc.oneof(anyJson, shapedLike(['email', 'score', 'customer', 'feedback', 'answers', 'id', '0'])), mapping: retentlyMapping }),
);

/** Wootric's form-encoded delivery as its flat fields (`response[score]`), what the webhook hands the adapter. */
export const REAL_WOOTRIC_FORM_FIELDS: Record<string, string> = Object.fromEntries(new URLSearchParams(wootricFormBody()));

const formKey = fc.oneof(
  fc.constantFrom(...Object.keys(REAL_WOOTRIC_FORM_FIELDS)),
  fc.constantFrom(
    'response[__proto__][polluted]',
    'response[constructor][prototype][polluted]',
    '__proto__[polluted]',
    'response[score][nested]',
    'response[]',
    'response[][score]',
    '[score]',
    'response]',
    'response[',
    'decline[id]',
    'response',
  ),
  fc.string({ maxLength: 12 }),
);

/** Form fields: the real ones with some dropped, changed or added, or any at all. */
export const wootricFormFields: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.constant(REAL_WOOTRIC_FORM_FIELDS),
  fc
    .tuple(
      fc.subarray(Object.keys(REAL_WOOTRIC_FORM_FIELDS)),
      fc.array(fc.tuple(formKey, fc.oneof(edgeString, fc.string({ maxLength: 12 }))), { maxLength: 6 }),
    )
    .map(([kept, added]) => {
      const fields: Record<string, string> = {};
      for (const key of kept) fields[key] = REAL_WOOTRIC_FORM_FIELDS[key] as string;
      // As Object.fromEntries does: own keys, `__proto__` included.
      for (const [key, value] of added) Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
      return fields;
    }),
);
