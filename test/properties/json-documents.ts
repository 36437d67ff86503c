import { expect } from 'vitest';
import type { RuleError } from '../../rules/validate-rule.ts';
import { jsonPathSteps, pointsInto } from './paths-into-input.ts';

/** Each error of a refused rule or journey says what, at a JSON path that leads into the document it was given. */
export function expectErrorsToPointInto(document: unknown, errors: readonly RuleError[]): void {
  expect(errors.length, 'a refusal names at least one mistake').toBeGreaterThan(0);
  for (const error of errors) {
    expect(error.message, error.path).toMatch(/\S/);
    const steps = jsonPathSteps(error.path);
    expect(steps, `${error.path} is a JSON path`).not.toBeNull();
    expect(pointsInto(document, steps!), `${error.path} (${error.message}) leads into ${safeJson(document)}`).toBe(true);
  }
}

/** The two are the same JSON document (key order aside). */
export function sameJson(actual: unknown, expected: unknown): void {
  expect(JSON.parse(JSON.stringify(actual) ?? 'null')).toEqual(JSON.parse(JSON.stringify(expected) ?? 'null'));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 2_000) ?? String(value);
  } catch {
    return String(value);
  }
}
