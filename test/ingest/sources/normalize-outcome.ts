import { expect } from 'vitest';
import type { AdapterOutcome } from '../../../ingest/sources/adapter.ts';
import { normalizeResponse, type NormalizeResult } from '../../../ingest/response-shape.ts';

/** The clock the vendor fixtures are written against: a week after their scores were given. */
export const NOW = new Date('2026-03-15T12:00:00Z');

/** Runs what the ingest path runs after an adapter: normalisation with the vendor's paths. */
export function normalizeOutcome(outcome: AdapterOutcome): NormalizeResult {
  if (outcome.kind !== 'response') expect.fail(`expected a response, got ${JSON.stringify(outcome)}`);
  return normalizeResponse(outcome.candidate, outcome.paths, { now: NOW, timeZone: 'UTC' });
}

/** The issues a rejected payload reports, failing the test if it was accepted. */
export function rejectionIssues(outcome: AdapterOutcome): { path: string; message: string }[] {
  const result = normalizeOutcome(outcome);
  if (result.ok) expect.fail(`expected a rejection, got ${JSON.stringify(result.response)}`);
  return result.issues;
}
