import { describe, expect, it } from 'vitest';
import { delightedAdapter } from '../../../ingest/sources/delighted.ts';
import {
  delightedCommentUpdate,
  delightedEvent,
  delightedUnsubscribe,
  RESPONDED_AT_UNIX,
} from '../../fixtures/vendor-payloads.ts';
import { normalizeOutcome, rejectionIssues } from './normalize-outcome.ts';

const parse = (payload: unknown) => delightedAdapter.parse(payload);

describe('delighted adapter', () => {
  it('takes survey_response.created, which arrives before the comment', () => {
    const outcome = parse(delightedEvent());
    expect(outcome).toMatchObject({ kind: 'response', eventId: 'evt_6b2d1c0e9f', isUpdate: false });
    expect(normalizeOutcome(outcome)).toEqual({
      ok: true,
      response: {
        source: 'delighted',
        sourceResponseId: '418220',
        email: 'ana.silva@acme.example',
        score: 9,
        respondedAt: new Date('2026-03-09T08:00:00Z'),
        comment: null,
        excluded: false,
      },
    });
  });

  it('takes the update carrying the comment as the same response, dated when the score was given', () => {
    const outcome = parse(delightedCommentUpdate());
    expect(outcome).toMatchObject({ kind: 'response', eventId: 'evt_7c3e2d1f0a', isUpdate: true });
    expect(normalizeOutcome(outcome)).toMatchObject({
      ok: true,
      response: {
        sourceResponseId: '418220',
        comment: 'Onboarding was smooth, reporting is slow.',
        respondedAt: new Date(RESPONDED_AT_UNIX * 1000),
      },
    });
  });

  it('ignores unsubscribes and surveys that are not NPS', () => {
    expect(parse(delightedUnsubscribe())).toEqual({
      kind: 'ignored',
      reason: 'event type unsubscribe.created is not a survey response',
      eventId: 'evt_8d4f3e2a1b',
    });
    expect(parse(delightedEvent({ event_data: { survey_type: 'csat', score: 4 } }))).toEqual({
      kind: 'ignored',
      reason: 'survey type csat is not NPS',
      eventId: 'evt_6b2d1c0e9f',
    });
  });

  it('treats a payload without survey_type as NPS, as all were before other types existed', () => {
    expect(parse(delightedEvent({ event_data: { survey_type: undefined } }))).toMatchObject({ kind: 'response' });
  });

  it.each([
    { score: 11, message: 'must be from 0 to 10' },
    { score: 7.5, message: 'must be a whole number from 0 to 10' },
    { score: 'abc', message: 'must be a number from 0 to 10' },
  ])('reports score $score at event_data.score', ({ score, message }) => {
    expect(rejectionIssues(parse(delightedEvent({ event_data: { score } })))).toEqual([
      { path: 'event_data.score', message },
    ]);
  });

  it('reports a missing email at event_data.person.email, with or without the person', () => {
    const expected = [{ path: 'event_data.person.email', message: 'is required' }];
    expect(rejectionIssues(parse(delightedEvent({ event_data: { person: { email: undefined } } })))).toEqual(expected);
    expect(rejectionIssues(parse(delightedEvent({ event_data: { person: undefined } })))).toEqual(expected);
  });

  it('reports unparseable and future dates at event_data.created_at', () => {
    expect(rejectionIssues(parse(delightedEvent({ event_data: { created_at: 'yesterday' } })))).toEqual([
      { path: 'event_data.created_at', message: 'is not a date: "yesterday"' },
    ]);
    expect(rejectionIssues(parse(delightedEvent({ event_data: { created_at: 1798761600 } })))).toEqual([
      { path: 'event_data.created_at', message: 'is in the future: 2027-01-01T00:00:00.000Z' },
    ]);
  });

  it('keeps the response id on a rejection so the log can name it', () => {
    expect(normalizeOutcome(parse(delightedEvent({ event_data: { score: 11 } })))).toMatchObject({
      ok: false,
      email: 'ana.silva@acme.example',
      sourceResponseId: '418220',
    });
  });

  it('calls a payload without the envelope invalid, naming the paths', () => {
    expect(parse({ event_id: 'evt_1', event_data: {} })).toEqual({
      kind: 'invalid',
      issues: [{ path: 'event_type', message: 'is required' }],
      eventId: 'evt_1',
    });
    expect(parse(delightedEvent({ event_data: 'oops' }))).toEqual({
      kind: 'invalid',
      issues: [{ path: 'event_data', message: 'must be an object' }],
      eventId: 'evt_6b2d1c0e9f',
    });
    expect(parse(delightedEvent({ event_data: { person: 'ana@acme.example' } }))).toMatchObject({
      kind: 'invalid',
      issues: [{ path: 'event_data.person', message: 'must be an object' }],
    });
    expect(parse([])).toEqual({ kind: 'invalid', issues: [{ path: '(payload)', message: 'must be an object' }], eventId: null });
  });
});
