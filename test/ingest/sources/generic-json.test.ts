import { describe, expect, it } from 'vitest';
import { genericJsonAdapter, MAX_GENERIC_BATCH_SIZE, parseGenericBatch } from '../../../ingest/sources/generic-json.ts';
import { genericResponse } from '../../fixtures/vendor-payloads.ts';
import { normalizeOutcome, rejectionIssues } from './normalize-outcome.ts';

const parse = (payload: unknown) => genericJsonAdapter.parse(payload);

describe('generic JSON adapter', () => {
  it('takes one response in the documented form', () => {
    const outcome = parse(genericResponse());
    expect(outcome).toMatchObject({ kind: 'response', eventId: null, isUpdate: false });
    expect(normalizeOutcome(outcome)).toEqual({
      ok: true,
      response: {
        source: 'in-app',
        sourceResponseId: 'crm-77120',
        email: 'fay.adams@stark.example',
        score: 8,
        respondedAt: new Date('2026-03-09T08:00:00Z'),
        comment: 'Fine overall.',
        excluded: false,
      },
    });
  });

  it('names the source "generic" when the body does not', () => {
    expect(normalizeOutcome(parse(genericResponse({ source: undefined })))).toMatchObject({
      ok: true,
      response: { source: 'generic' },
    });
  });

  it('derives the id from source, email and time when absent, so a re-send is the same response', () => {
    const idOf = (overrides: Record<string, unknown>) => {
      const result = normalizeOutcome(parse(genericResponse({ id: undefined, ...overrides })));
      if (!result.ok) expect.fail(JSON.stringify(result.issues));
      return result.response.sourceResponseId;
    };
    // Pinned: a response stored earlier is found again under the same id.
    expect(idOf({})).toBe('derived:59d79de315c9a90b526d0ed3');
    expect(idOf({ email: 'FAY.ADAMS@stark.example', score: 9 })).toBe(idOf({}));
    expect(idOf({ id: '  ' })).toBe(idOf({}));
    expect(idOf({ source: 'typeform' })).not.toBe(idOf({}));
    expect(idOf({ respondedAt: '2026-03-09T09:00:00Z' })).not.toBe(idOf({}));
  });

  it.each([
    { score: 11, message: 'must be from 0 to 10' },
    { score: 7.5, message: 'must be a whole number from 0 to 10' },
    { score: 'abc', message: 'must be a number from 0 to 10' },
  ])('reports score $score at score', ({ score, message }) => {
    expect(rejectionIssues(parse(genericResponse({ score })))).toEqual([{ path: 'score', message }]);
  });

  it('reports a source that cannot be stored at its field, inside a batch too', () => {
    expect(rejectionIssues(parse(genericResponse({ source: 'in\u0000app' })))).toEqual([{ path: 'source', message: expect.any(String) }]);
    const [third] = parseGenericBatch({ responses: [genericResponse(), genericResponse(), genericResponse({ source: 'in\u0000app' })] }).slice(2);
    expect(rejectionIssues(third!)).toEqual([{ path: 'responses[2].source', message: expect.any(String) }]);
  });

  it('reports a missing email, an unparseable date and a future date at their fields', () => {
    expect(rejectionIssues(parse(genericResponse({ email: undefined })))).toEqual([{ path: 'email', message: 'is required' }]);
    expect(rejectionIssues(parse(genericResponse({ respondedAt: '2026-02-30' })))).toEqual([
      { path: 'respondedAt', message: 'is not a date: "2026-02-30"' },
    ]);
    expect(rejectionIssues(parse(genericResponse({ respondedAt: '2027-01-01' })))).toEqual([
      { path: 'respondedAt', message: 'is in the future: 2027-01-01T00:00:00.000Z' },
    ]);
  });

  it('calls a blank or non-text source invalid, since it scopes the id', () => {
    expect(parse(genericResponse({ source: ' ' }))).toEqual({
      kind: 'invalid',
      issues: [{ path: 'source', message: 'must not be blank' }],
      eventId: null,
    });
    expect(parse(genericResponse({ source: 42 }))).toMatchObject({ issues: [{ path: 'source', message: 'must be text' }] });
  });
});

describe('generic JSON batch', () => {
  it('treats a single object as a batch of one', () => {
    const outcomes = parseGenericBatch(genericResponse());
    expect(outcomes).toHaveLength(1);
    expect(normalizeOutcome(outcomes[0]!)).toMatchObject({ ok: true, response: { sourceResponseId: 'crm-77120' } });
  });

  it('gives one outcome per item, with paths prefixed by the item', () => {
    const outcomes = parseGenericBatch({
      responses: [
        genericResponse(),
        genericResponse({ id: 'crm-77121', score: 11 }),
        'not a response',
        genericResponse({ id: 'crm-77123', email: undefined, respondedAt: 'soon' }),
      ],
    });
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['response', 'response', 'invalid', 'response']);
    expect(normalizeOutcome(outcomes[0]!)).toMatchObject({ ok: true });
    expect(rejectionIssues(outcomes[1]!)).toEqual([{ path: 'responses[1].score', message: 'must be from 0 to 10' }]);
    expect(outcomes[2]).toEqual({
      kind: 'invalid',
      issues: [{ path: 'responses[2]', message: 'must be an object' }],
      eventId: null,
    });
    expect(rejectionIssues(outcomes[3]!)).toEqual([
      { path: 'responses[3].email', message: 'is required' },
      { path: 'responses[3].respondedAt', message: 'is not a date: "soon"' },
    ]);
  });

  it('takes a bare list as a batch, with paths prefixed by the index', () => {
    const outcomes = parseGenericBatch([genericResponse(), genericResponse({ id: 'crm-77121', score: 11 }), 7]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['response', 'response', 'invalid']);
    expect(normalizeOutcome(outcomes[0]!)).toMatchObject({ ok: true, response: { sourceResponseId: 'crm-77120' } });
    expect(rejectionIssues(outcomes[1]!)).toEqual([{ path: '[1].score', message: 'must be from 0 to 10' }]);
    expect(outcomes[2]).toEqual({ kind: 'invalid', issues: [{ path: '[2]', message: 'must be an object' }], eventId: null });
    expect(parseGenericBatch([])).toEqual([]);
  });

  it('calls a batch that is not a list, or too long, invalid as a whole', () => {
    expect(parseGenericBatch({ responses: { email: 'a@b.example' } })).toEqual([
      { kind: 'invalid', issues: [{ path: 'responses', message: 'must be a list' }], eventId: null },
    ]);
    const tooMany = Array.from({ length: MAX_GENERIC_BATCH_SIZE + 1 }, () => genericResponse());
    expect(parseGenericBatch({ responses: tooMany })).toEqual([
      {
        kind: 'invalid',
        issues: [{ path: 'responses', message: `must hold at most ${MAX_GENERIC_BATCH_SIZE} responses` }],
        eventId: null,
      },
    ]);
    expect(parseGenericBatch(tooMany)).toEqual([
      { kind: 'invalid', issues: [{ path: '(payload)', message: `must hold at most ${MAX_GENERIC_BATCH_SIZE} responses` }], eventId: null },
    ]);
  });
});
