import { describe, expect, it } from 'vitest';
import { wootricAdapter } from '../../../ingest/sources/wootric.ts';
import { wootricDeclineEvent, wootricFormBody, wootricResponseEvent } from '../../fixtures/vendor-payloads.ts';
import { normalizeOutcome, rejectionIssues } from './normalize-outcome.ts';

const parse = (payload: unknown) => wootricAdapter.parse(payload);

const expectedResponse = {
  source: 'wootric',
  sourceResponseId: '1128',
  email: 'ben.okafor@globex.example',
  score: 7,
  respondedAt: new Date('2026-03-09T08:00:00Z'),
  comment: 'Good, but the API docs are thin.',
  excluded: false,
};

describe('wootric adapter', () => {
  it('takes a JSON delivery with string scores and flags, and an offset on its times', () => {
    const outcome = parse(wootricResponseEvent());
    expect(outcome).toMatchObject({ kind: 'response', isUpdate: false, eventId: expect.stringMatching(/^derived:[0-9a-f]+$/) });
    expect(normalizeOutcome(outcome)).toEqual({ ok: true, response: expectedResponse });
  });

  it('takes a form-encoded delivery, as flat `response[score]` keys or as URLSearchParams', () => {
    const params = new URLSearchParams(wootricFormBody());
    expect(params.get('response[created_at]')).toBe('2026-03-09 01:00:00 -0700');
    for (const payload of [Object.fromEntries(params), params]) {
      expect(normalizeOutcome(parse(payload))).toEqual({ ok: true, response: expectedResponse });
    }
  });

  it('reads an empty form comment as no comment', () => {
    const params = new URLSearchParams(wootricFormBody({ response: { text: null } }));
    expect(params.get('response[text]')).toBe('');
    expect(normalizeOutcome(parse(params))).toMatchObject({ ok: true, response: { comment: null } });
  });

  it('keeps form fields that would reach an object prototype out of the body', () => {
    const fields = { ...Object.fromEntries(new URLSearchParams(wootricFormBody())), 'response[__proto__][polluted]': 'yes' };
    expect(normalizeOutcome(parse(fields))).toEqual({ ok: true, response: expectedResponse });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('marks a response the customer excluded from calculations, whichever form "true" takes', () => {
    for (const excluded of ['true', true]) {
      const outcome = parse(wootricResponseEvent({ response: { excluded_from_calculations: excluded } }));
      expect(normalizeOutcome(outcome)).toMatchObject({ ok: true, response: { excluded: true } });
    }
    const form = new URLSearchParams(wootricFormBody({ response: { excluded_from_calculations: 'true' } }));
    expect(normalizeOutcome(parse(form))).toMatchObject({ ok: true, response: { excluded: true } });
  });

  it('gives each delivery a stable event id: same for a redelivery, new for an update', () => {
    const created = parse(wootricResponseEvent());
    const redelivered = parse(wootricResponseEvent());
    const updated = parse(
      wootricResponseEvent({ event_name: 'updated', response: { updated_at: '2026-03-09T01:04:00.000-07:00' } }),
    );
    expect(redelivered.eventId).toBe(created.eventId);
    expect(updated).toMatchObject({ kind: 'response', isUpdate: true });
    expect(updated.eventId).not.toBe(created.eventId);
  });

  it('ignores declines and surveys that are not NPS', () => {
    expect(parse(wootricDeclineEvent())).toEqual({
      kind: 'ignored',
      reason: 'a declined survey carries no score',
      eventId: expect.stringMatching(/^derived:/),
    });
    const formDecline = new URLSearchParams({ 'decline[id]': '19', 'decline[survey_id]': '1147', event_name: 'created' });
    expect(parse(formDecline)).toMatchObject({ kind: 'ignored', reason: 'a declined survey carries no score' });
    expect(parse(wootricResponseEvent({ survey_mode: 'CES' }))).toMatchObject({
      kind: 'ignored',
      reason: 'survey mode CES is not NPS',
    });
  });

  it.each([
    { score: '11', message: 'must be from 0 to 10' },
    { score: '7.5', message: 'must be a whole number from 0 to 10' },
    { score: 'abc', message: 'must be a number from 0 to 10' },
  ])('reports score $score at response.score', ({ score, message }) => {
    expect(rejectionIssues(parse(wootricResponseEvent({ response: { score } })))).toEqual([
      { path: 'response.score', message },
    ]);
  });

  it('reports a missing email at response.email', () => {
    expect(rejectionIssues(parse(wootricResponseEvent({ response: { email: undefined } })))).toEqual([
      { path: 'response.email', message: 'is required' },
    ]);
  });

  it('reports unparseable and future dates at response.created_at', () => {
    expect(rejectionIssues(parse(wootricResponseEvent({ response: { created_at: '09/03/2026' } })))).toEqual([
      { path: 'response.created_at', message: 'is not a date: "09/03/2026"' },
    ]);
    const future = parse(wootricResponseEvent({ response: { created_at: '2026-03-15T05:10:00.000-07:00' } }));
    expect(rejectionIssues(future)).toEqual([
      { path: 'response.created_at', message: 'is in the future: 2026-03-15T12:10:00.000Z' },
    ]);
  });

  it('reports an exclusion flag that is neither true nor false at its path', () => {
    expect(rejectionIssues(parse(wootricResponseEvent({ response: { excluded_from_calculations: 'maybe' } })))).toEqual([
      { path: 'response.excluded_from_calculations', message: 'must be true or false' },
    ]);
  });

  it('calls a body with neither response nor decline invalid', () => {
    expect(parse({ event_name: 'created', account_token: 'NPS-1a2b3c4d' })).toEqual({
      kind: 'invalid',
      issues: [{ path: 'response', message: 'is required' }],
      eventId: null,
    });
    expect(parse(wootricResponseEvent({ event_name: undefined }))).toMatchObject({
      kind: 'invalid',
      issues: [{ path: 'event_name', message: 'is required' }],
    });
  });
});
