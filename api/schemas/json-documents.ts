import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonPath } from '../../rules/json-path.ts';
import type { RuleError } from '../../rules/validate-rule.ts';
import { ApiError, type ErrorIssue } from '../api-error.ts';
import { findInJson } from '../find-in-json.ts';

/*
 * Rules and journeys arrive as JSON documents, and every mistake in one is reported at its JSON
 * path in the document ($.conditions.all[1].value), as rules/validate-rule.ts and
 * journeys/journey-definition.ts word them.
 */

/** Issues sent at most per response: a document with thousands of bad values gets the first ones and a count. */
export const MAX_REPORTED_ISSUES = 100;

/** A document that validation refused: 400 with each mistake at its path. */
export function invalidDocument(code: string, what: string, errors: readonly RuleError[]): ApiError {
  const issues: ErrorIssue[] = errors.slice(0, MAX_REPORTED_ISSUES).map(({ path, message }) => ({ path, message }));
  if (errors.length > MAX_REPORTED_ISSUES) {
    issues.push({ path: '$', message: `and ${errors.length - MAX_REPORTED_ISSUES} more mistakes like the ones above` });
  }
  const count = errors.length === 1 ? 'a mistake' : `${errors.length} mistakes`;
  return new ApiError(400, code, `the ${what} has ${count}; nothing was saved. Each issue's path is a JSON path into the ${what}`, issues);
}

/** The answer of a validation that saves nothing: whether the document is valid, and each mistake with what would be valid there. */
export const documentValidationSchema = z
  .object({
    valid: z.boolean(),
    issues: z
      .array(
        z.object({
          path: z.string().describe('a JSON path into the document, e.g. $.conditions.all[1].fact'),
          message: z.string(),
          validValues: z.array(z.unknown()).optional().describe('what would be valid at the path, when it is one of a known few: facts, operators, enum values'),
          suggestion: z.string().optional().describe('the valid value closest to what was written ("did you mean")'),
        }),
      )
      .describe(`empty when valid; at most ${MAX_REPORTED_ISSUES}, then one at $ counting the rest`),
  })
  .meta({ id: 'DocumentValidation' });

export function documentValidationView(errors: readonly RuleError[]): z.infer<typeof documentValidationSchema> {
  const issues = errors.slice(0, MAX_REPORTED_ISSUES).map(({ path, message, validValues, suggestion }) => ({
    path,
    message,
    ...(validValues ? { validValues: [...validValues] } : {}),
    ...(suggestion ? { suggestion } : {}),
  }));
  if (errors.length > MAX_REPORTED_ISSUES) issues.push({ path: '$', message: `and ${errors.length - MAX_REPORTED_ISSUES} more mistakes like the ones above` });
  return { valid: errors.length === 0, issues };
}

/**
 * JSON bodies for the routes registered on `scope` (an encapsulated plugin): a syntax error and
 * a key that could reach Object.prototype if the document were ever merged into an object
 * (`__proto__`, `constructor.prototype`) are refused as 400 `malformed_json` with where they
 * are, before any handler sees the body. An empty body is no body.
 */
export function parseJsonDocuments(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = String(text);
    if (body.trim() === '') {
      done(null, undefined);
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch (error) {
      done(new ApiError(400, 'malformed_json', 'the body is not valid JSON', [{ path: '$', message: (error as Error).message }]), undefined);
      return;
    }
    const forbidden = prototypeKeyPath(document);
    if (forbidden !== null) {
      done(
        new ApiError(400, 'malformed_json', 'the body holds a key that is never allowed', [
          { path: forbidden, message: 'is not allowed: __proto__ and constructor.prototype could change how objects behave' },
        ]),
        undefined,
      );
      return;
    }
    done(null, document);
  });
}

/** A key that could reach Object.prototype if its object were merged into another: `__proto__`, or `constructor` holding a `prototype`. */
export function isPrototypeKey(key: string, value: unknown): boolean {
  return key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'));
}

/** The path of the first prototype key (see isPrototypeKey); iterative, so any depth is safe. */
export function prototypeKeyPath(document: unknown): string | null {
  const steps = findInJson(document, { key: isPrototypeKey });
  return steps ? jsonPath(steps) : null;
}
