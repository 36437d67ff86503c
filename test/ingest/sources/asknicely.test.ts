import { describe, expect, it } from 'vitest';
import { askNicelyAdapter } from '../../../ingest/sources/asknicely.ts';
import { askNicelyPayload } from '../../fixtures/vendor-payloads.ts';
import { normalizeOutcome, rejectionIssues } from './normalize-outcome.ts';

const parse = (payload: unknown) => askNicelyAdapter.parse(payload);

describe('asknicely adapter', () => {
  it('takes a first delivery (count 1) with string values and string unix times', () => {
    const outcome = parse(askNicelyPayload());
    expect(outcome).toMatchObject({ kind: 'response', isUpdate: false, eventId: expect.stringMatching(/^derived:/) });
    expect(normalizeOutcome(outcome)).toEqual({
      ok: true,
      response: {
        source: 'asknicely',
        sourceResponseId: '345094',
        email: 'chen.wei@initech.example',
        score: 3,
        respondedAt: new Date('2026-03-09T08:00:00Z'),
        comment: 'Support took four days to answer.',
        excluded: false,
      },
    });
  });

  it('takes count 3 as an update of the same response, with its own event id', () => {
    const first = parse(askNicelyPayload());
    const third = parse(askNicelyPayload({ count: '3', question: { score: '5', comment: 'They called back; better.' } }));
    expect(third).toMatchObject({ kind: 'response', isUpdate: true });
    expect(third.eventId).not.toBe(first.eventId);
    expect(parse(askNicelyPayload({ count: 3 })).eventId).toBe(third.eventId);
    expect(normalizeOutcome(third)).toMatchObject({
      ok: true,
      response: { sourceResponseId: '345094', score: 5, comment: 'They called back; better.' },
    });
  });

  it.each([
    { score: '11', message: 'must be from 0 to 10' },
    { score: '7.5', message: 'must be a whole number from 0 to 10' },
    { score: 'abc', message: 'must be a number from 0 to 10' },
  ])('reports score $score at question.score', ({ score, message }) => {
    expect(rejectionIssues(parse(askNicelyPayload({ question: { score } })))).toEqual([
      { path: 'question.score', message },
    ]);
  });

  it('reports a missing email at person.email', () => {
    expect(rejectionIssues(parse(askNicelyPayload({ person: { email: '' } })))).toEqual([
      { path: 'person.email', message: 'is required' },
    ]);
  });

  it('reports unparseable and future dates at question.responded', () => {
    expect(rejectionIssues(parse(askNicelyPayload({ question: { responded: 'n/a' } })))).toEqual([
      { path: 'question.responded', message: 'is not a date: "n/a"' },
    ]);
    expect(rejectionIssues(parse(askNicelyPayload({ question: { responded: '1798761600' } })))).toEqual([
      { path: 'question.responded', message: 'is in the future: 2027-01-01T00:00:00.000Z' },
    ]);
  });

  it('calls a payload without count, person or question invalid', () => {
    expect(parse(askNicelyPayload({ count: '0', person: undefined, question: [] }))).toEqual({
      kind: 'invalid',
      issues: [
        { path: 'count', message: 'must be a whole number from 1' },
        { path: 'person', message: 'is required' },
        { path: 'question', message: 'must be an object' },
      ],
      eventId: null,
    });
  });
});
