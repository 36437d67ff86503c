import { describe, expect, it } from 'vitest';
import {
  defaultRetentlyFieldMapping,
  retentlyAdapter,
  retentlyFieldMappingSchema,
} from '../../../ingest/sources/retently.ts';
import { retentlyCustomTemplateMapping, retentlyCustomTemplatePayload, retentlyPayload } from '../../fixtures/vendor-payloads.ts';
import { normalizeOutcome, rejectionIssues } from './normalize-outcome.ts';


describe('retently adapter', () => {
  it('reads the stock template with the default mapping', () => {
    const outcome = retentlyAdapter.parse(retentlyPayload(), defaultRetentlyFieldMapping);
    expect(outcome).toMatchObject({ kind: 'response', eventId: null, isUpdate: false });
    expect(normalizeOutcome(outcome)).toEqual({
      ok: true,
      response: {
        source: 'retently',
        sourceResponseId: '5f1c9e7a2b3d4c0012ab34cd',
        email: 'dana.kim@umbrella.example',
        score: 10,
        respondedAt: new Date('2026-03-09T08:00:00Z'),
        comment: 'Our CSM is fantastic.',
        excluded: false,
      },
    });
  });

  it('reads a nested custom template through a custom mapping', () => {
    const outcome = retentlyAdapter.parse(retentlyCustomTemplatePayload(), retentlyCustomTemplateMapping);
    expect(outcome).toMatchObject({ kind: 'response', eventId: 'dlv-20260309-0042' });
    expect(normalizeOutcome(outcome)).toEqual({
      ok: true,
      response: {
        source: 'retently',
        sourceResponseId: 'fb-9a8b7c',
        email: 'eli.novak@hooli.example',
        score: 6,
        // Written without an offset, so read in the configured zone (UTC here).
        respondedAt: new Date('2026-03-09T08:00:00Z'),
        comment: 'Exports time out.',
        excluded: false,
      },
    });
  });

  it('derives a stable response id from email and time when none is mapped', () => {
    const { responseId: _unmapped, ...mapping } = retentlyCustomTemplateMapping;
    const first = normalizeOutcome(retentlyAdapter.parse(retentlyCustomTemplatePayload(), mapping));
    const resent = normalizeOutcome(
      retentlyAdapter.parse(retentlyCustomTemplatePayload({ customer: { email: ' ELI.NOVAK@hooli.example' } }), mapping),
    );
    const otherTime = normalizeOutcome(
      retentlyAdapter.parse(retentlyCustomTemplatePayload({ feedback: { submitted: '2026-03-10 08:00:00' } }), mapping),
    );
    expect(first).toMatchObject({ ok: true, response: { sourceResponseId: expect.stringMatching(/^derived:[0-9a-f]+$/) } });
    if (!first.ok || !resent.ok || !otherTime.ok) expect.fail('expected all three to be accepted');
    expect(resent.response.sourceResponseId).toBe(first.response.sourceResponseId);
    expect(otherTime.response.sourceResponseId).not.toBe(first.response.sourceResponseId);
  });

  it.each([
    { score: 11, message: 'must be from 0 to 10' },
    { score: '7.5', message: 'must be a whole number from 0 to 10' },
    { score: 'abc', message: 'must be a number from 0 to 10' },
  ])('reports score $score at the mapped path feedback.rating', ({ score, message }) => {
    const outcome = retentlyAdapter.parse(retentlyCustomTemplatePayload({ feedback: { rating: score } }), retentlyCustomTemplateMapping);
    expect(rejectionIssues(outcome)).toEqual([{ path: 'feedback.rating', message }]);
  });

  it('reports a missing email at the mapped path, also when its section is missing', () => {
    const expected = [{ path: 'customer.email', message: 'is required' }];
    const noEmail = retentlyCustomTemplatePayload({ customer: { email: undefined } });
    expect(rejectionIssues(retentlyAdapter.parse(noEmail, retentlyCustomTemplateMapping))).toEqual(expected);
    const noCustomer = retentlyCustomTemplatePayload({ customer: undefined });
    expect(rejectionIssues(retentlyAdapter.parse(noCustomer, retentlyCustomTemplateMapping))).toEqual(expected);
  });

  it('reports unparseable and future dates at the mapped path', () => {
    const garbled = retentlyCustomTemplatePayload({ feedback: { submitted: 'last Tuesday' } });
    expect(rejectionIssues(retentlyAdapter.parse(garbled, retentlyCustomTemplateMapping))).toEqual([
      { path: 'feedback.submitted', message: 'is not a date: "last Tuesday"' },
    ]);
    const future = retentlyPayload({ createdDate: '2027-01-01T00:00:00Z' });
    expect(rejectionIssues(retentlyAdapter.parse(future, defaultRetentlyFieldMapping))).toEqual([
      { path: 'createdDate', message: 'is in the future: 2027-01-01T00:00:00.000Z' },
    ]);
  });

  it('calls a body that is not an object invalid', () => {
    expect(retentlyAdapter.parse('score=9', defaultRetentlyFieldMapping)).toEqual({
      kind: 'invalid',
      issues: [{ path: '(payload)', message: 'must be an object' }],
      eventId: null,
    });
  });

  it('checks a configured mapping: required fields, path syntax, no unknown keys', () => {
    expect(retentlyFieldMappingSchema.safeParse(retentlyCustomTemplateMapping).success).toBe(true);
    const result = retentlyFieldMappingSchema.safeParse({ email: 'customer..email', score: 'score', responseID: 'id' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['email', 'respondedAt', '']);
  });
});
