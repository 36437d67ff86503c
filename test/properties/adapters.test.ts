import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/api-error.ts';
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE, parseDeliveryBody, type RawDelivery } from '../../api/webhooks/parse-delivery.ts';
import { storePayloads, type IngestSettings } from '../../ingest/ingest-payloads.ts';
import { createNormalizer, type ResponseCandidate } from '../../ingest/response-shape.ts';
import type { AdapterOutcome } from '../../ingest/sources/adapter.ts';
import { parseGenericBatch } from '../../ingest/sources/generic-json.ts';
import { type SourceName, sourceAdapters } from '../../ingest/sources/index.ts';
import { defaultRetentlyFieldMapping, type RetentlyFieldMapping } from '../../ingest/sources/retently.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { inRolledBackTransaction } from '../helpers/rolled-back.ts';
import { describeEachBackend } from '../helpers/test-database.ts';
import { edgeString } from './arbitraries/edge-values.ts';
import { anyJson } from './arbitraries/hostile-json.ts';
import { anyPayload, REAL_PAYLOADS, REAL_WOOTRIC_FORM_FIELDS, retentlyCase, vendorPayload, wootricFormFields } from './arbitraries/vendor-payloads.ts';
import { payloadPathSteps, pointsInto, valueAt } from './paths-into-input.ts';
import { propertyRuns } from './property-runs.ts';

/*
 * Every survey-tool adapter on hostile payloads: nothing throws, every rejection names a path
 * that leads into the payload (and to the very value it is about, when that value is there),
 * and a rejected record never becomes a stored response.
 */

/** When the fixtures' scores were given, a week on. */
const NOW = new Date('2026-03-15T12:00:00Z');
const SETTINGS: IngestSettings = { now: NOW, timeZone: 'UTC', counting: 'every_response' };
const normalize = createNormalizer({ now: NOW, timeZone: 'UTC' });

/** The people the fixtures' payloads are from. */
const FIXTURE_USERS = [
  'ana.silva@acme.example',
  'ben.okafor@globex.example',
  'chen.wei@initech.example',
  'dana.kim@umbrella.example',
  'eli.novak@hooli.example',
  'fay.adams@stark.example',
];

const SOURCES = Object.keys(sourceAdapters) as SourceName[];

/** What the ingest path does with one payload before storing: the adapter(s), as storePayloads runs them. */
function outcomesOf(source: SourceName, payload: unknown, mapping: RetentlyFieldMapping = defaultRetentlyFieldMapping): AdapterOutcome[] {
  if (source === 'generic') return parseGenericBatch(payload);
  if (source === 'retently') return [sourceAdapters.retently.parse(payload, mapping)];
  return [sourceAdapters[source].parse(payload)];
}

/**
 * An outcome's rejections all name a place in `payload`: the adapter's own at a path that leads
 * into it, normalisation's at the vendor path of the field, which leads to that field's value
 * whenever the payload has one. `form` payloads are flat (`response[score]`), so only the
 * vendor path's form is checked there.
 */
function expectRejectionsToNamePaths(payload: unknown, outcome: AdapterOutcome, { form = false } = {}): void {
  const shown = () => JSON.stringify(outcome);
  if (outcome.kind === 'invalid') {
    expect(outcome.issues.length, shown()).toBeGreaterThan(0);
    for (const issue of outcome.issues) {
      const steps = payloadPathSteps(issue.path);
      expect(steps, `${issue.path} is a payload path`).not.toBeNull();
      if (!form) expect(pointsInto(payload, steps!), `${issue.path} leads into the payload: ${shown()}`).toBe(true);
    }
    return;
  }
  if (outcome.kind !== 'response') return;
  const normalized = normalize(outcome.candidate, outcome.paths);
  if (normalized.ok) return;
  expect(normalized.issues.length).toBeGreaterThan(0);
  for (const issue of normalized.issues) {
    const field = (Object.keys(outcome.paths) as (keyof ResponseCandidate)[]).find((name) => outcome.paths[name] === issue.path);
    expect(field, `${issue.path} is the vendor path of a field: ${shown()}`).toBeDefined();
    const steps = payloadPathSteps(issue.path);
    expect(steps, `${issue.path} is a payload path`).not.toBeNull();
    const value = outcome.candidate[field!];
    if (!form && value !== undefined) expect(Object.is(valueAt(payload, steps!), value), `${issue.path} leads to the value it is about`).toBe(true);
  }
}

describe('survey-tool adapters on hostile payloads', () => {
  it.each(SOURCES.filter((source) => source !== 'retently'))('%s: throws nothing, and every rejection names a path into the payload', (source) => {
    fc.assert(
      fc.property(anyPayload(source), (payload) => {
        for (const outcome of outcomesOf(source, payload)) expectRejectionsToNamePaths(payload, outcome);
      }),
      propertyRuns(400),
    );
  });

  it('retently: throws nothing through any mapping, and every rejection names a mapped path into the payload', () => {
    fc.assert(
      fc.property(retentlyCase, ({ payload, mapping }) => {
        const [outcome] = outcomesOf('retently', payload, mapping);
        expectRejectionsToNamePaths(payload, outcome!);
        if (outcome!.kind === 'response') expect(Object.values(outcome!.paths).every((path) => path === undefined || Object.values(mapping).includes(path))).toBe(true);
      }),
      propertyRuns(400),
    );
  });

  it('wootric form fields: throws nothing, never writes to a prototype, and names the field of each rejection', () => {
    fc.assert(
      fc.property(wootricFormFields, fc.boolean(), (fields, asSearchParams) => {
        const payload = asSearchParams ? new URLSearchParams(Object.entries(fields)) : fields;
        const outcome = sourceAdapters.wootric.parse(payload);
        expectRejectionsToNamePaths(fields, outcome, { form: true });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      propertyRuns(400),
    );
  });

  it('the generic batch places each response\'s rejections under responses[i]', () => {
    fc.assert(
      fc.property(fc.array(vendorPayload('generic'), { maxLength: 4 }), (responses) => {
        const outcomes = parseGenericBatch({ responses });
        expect(outcomes).toHaveLength(responses.length);
        outcomes.forEach((outcome, index) => {
          const paths = outcome.kind === 'invalid' ? outcome.issues.map((issue) => issue.path) : outcome.kind === 'response' ? Object.values(outcome.paths) : [];
          for (const path of paths) if (path !== undefined) expect(path.startsWith(`responses[${index}]`), path).toBe(true);
        });
      }),
      propertyRuns(200),
    );
  });
});

/** Bytes as a webhook could deliver them: anything, JSON of anything, mutated real bodies, deep nesting. */
const deliveryBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  anyJson.map((value) => Buffer.from(JSON.stringify(value) ?? 'undefined')),
  fc
    .tuple(
      fc.constantFrom(...SOURCES.flatMap((source) => REAL_PAYLOADS[source]().map((payload) => JSON.stringify(payload)))),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\\u0000', '\\ud800', '\n', '')), { minLength: 1, maxLength: 4 }),
    )
    .map(([text, edits]) =>
      Buffer.from(edits.reduce((body, [at, length, insert]) => body.slice(0, at % (body.length + 1)) + insert + body.slice((at % (body.length + 1)) + (length % 3)), text)),
    ),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
  fc.constant(Buffer.from(new URLSearchParams(REAL_WOOTRIC_FORM_FIELDS).toString())),
  fc.array(fc.tuple(fc.oneof(edgeString, fc.string()), fc.oneof(edgeString, fc.string())), { maxLength: 5 }).map((pairs) => Buffer.from(new URLSearchParams(pairs).toString())),
);

describe('webhook delivery parsing on arbitrary bytes', () => {
  it('gives a payload every adapter takes without throwing, or a 400 that says what is wrong', () => {
    fc.assert(
      fc.property(deliveryBytes, fc.constantFrom<RawDelivery['mediaType']>(JSON_MEDIA_TYPE, FORM_MEDIA_TYPE), (raw, mediaType) => {
        let payload: unknown;
        try {
          payload = parseDeliveryBody({ mediaType, raw });
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(ApiError);
          expect((error as ApiError).statusCode).toBe(400);
          expect((error as ApiError).message).not.toBe('');
          return;
        }
        for (const source of mediaType === FORM_MEDIA_TYPE ? (['wootric'] as const) : SOURCES) {
          for (const outcome of outcomesOf(source, payload)) expectRejectionsToNamePaths(payload, outcome, { form: mediaType === FORM_MEDIA_TYPE });
        }
      }),
      propertyRuns(400),
    );
  });
});

describe('webhook delivery parsing, where PostgreSQL could not store what it was given', () => {
  it('hands the adapters well-formed text: an unpaired surrogate, in a key or a value, becomes U+FFFD; a pair stays', () => {
    const raw = Buffer.from(String.raw`{"comment":"cut \ud83d","\udc00":["\ud800x"],"pair":"\ud83d\ude00"}`);
    expect(parseDeliveryBody({ mediaType: JSON_MEDIA_TYPE, raw })).toEqual({ comment: 'cut \ufffd', '\ufffd': ['\ufffdx'], pair: '😀' });
  });
});

describeEachBackend('survey-tool payloads stored', (db) => {
  /** The (source, id) of each record a batch of payloads holds that validation takes. */
  function acceptedRecords(source: SourceName, payloads: readonly unknown[], mapping?: RetentlyFieldMapping): Set<string> {
    const accepted = new Set<string>();
    for (const outcome of payloads.flatMap((payload) => outcomesOf(source, payload, mapping))) {
      if (outcome.kind !== 'response') continue;
      const normalized = normalize(outcome.candidate, outcome.paths);
      if (normalized.ok) accepted.add(`${normalized.response.source}/${normalized.response.sourceResponseId}`);
    }
    return accepted;
  }

  const batchCase = (source: SourceName): fc.Arbitrary<{ payloads: unknown[]; mapping?: RetentlyFieldMapping }> =>
    source === 'retently'
      ? retentlyCase.chain(({ mapping }) => fc.record({ payloads: fc.array(retentlyCase.map((c) => c.payload), { minLength: 1, maxLength: 4 }), mapping: fc.constant(mapping) }))
      : fc.record({ payloads: fc.array(vendorPayload(source), { minLength: 1, maxLength: 4 }) });

  /** A payload as the webhook hands it on: its JSON through the delivery parser; null when that refuses it with a 400. */
  function delivered(payload: unknown): unknown {
    try {
      return parseDeliveryBody({ mediaType: JSON_MEDIA_TYPE, raw: Buffer.from(JSON.stringify(payload)) });
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 400) return null;
      throw error;
    }
  }

  it.each(SOURCES)('%s: a batch of hostile payloads throws nothing, logs every rejection with its path, and stores only what validation took', async (source) => {
    const k = db().kysely;
    await seedAccount(k, { users: FIXTURE_USERS });
    await fc.assert(
      fc.asyncProperty(batchCase(source), async ({ payloads: sent, mapping }) => {
        const payloads = sent.map(delivered).filter((payload) => payload !== null);
        const invalidRecords = payloads.flatMap((payload) => outcomesOf(source, payload, mapping)).filter((outcome) => {
          if (outcome.kind === 'invalid') return true;
          return outcome.kind === 'response' && !normalize(outcome.candidate, outcome.paths).ok;
        }).length;
        const { result, stored, logged } = await inRolledBackTransaction(k, async (trx) => ({
          result: await storePayloads(trx, source, payloads, { ...SETTINGS, ...(mapping ? { retentlyMapping: mapping } : {}) }),
          stored: await trx.selectFrom('nps_responses').select(['source', 'source_response_id', 'score']).execute(),
          logged: await trx.selectFrom('rejected_responses').select(['reason', 'issues']).execute(),
        }));
        const accepted = acceptedRecords(source, payloads, mapping);
        for (const row of stored) {
          expect(accepted.has(`${row.source}/${row.source_response_id}`), `stored ${row.source}/${row.source_response_id}`).toBe(true);
          expect(Number.isInteger(row.score) && row.score >= 0 && row.score <= 10).toBe(true);
        }
        expect(logged.filter((row) => row.reason === 'invalid')).toHaveLength(invalidRecords);
        for (const rejection of [...result.rejected, ...logged]) {
          expect(rejection.issues.length).toBeGreaterThan(0);
          for (const issue of rejection.issues) expect(issue.path).toMatch(/\S/);
        }
      }),
      propertyRuns(25),
    );
  }, 120_000);
});
