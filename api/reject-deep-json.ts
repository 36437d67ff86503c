import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { jsonPath } from '../rules/json-path.ts';
import { ApiError } from './api-error.ts';
import { findInJson } from './find-in-json.ts';

/**
 * How deep a JSON body may nest. The deepest document npsloop takes, a rule with conditions
 * nested the 10 levels allowed, is about 25, and a document's own checks (a rule's "nest more
 * than 10 levels") say more than this one can, so it leaves them room; past it, a body is a
 * probe for code that walks it recursively, and is refused before any does.
 */
export const MAX_JSON_DEPTH = 128;

/** Longer paths are cut: a path of 128 long keys would make the error itself a large body. */
const MAX_REPORTED_PATH = 600;

/** preValidation: a parsed JSON body nested deeper than MAX_JSON_DEPTH is a 400 saying where. */
export async function rejectDeepJsonBody(request: FastifyRequest): Promise<void> {
  const { body } = request;
  if (body instanceof Readable || Buffer.isBuffer(body)) return;
  assertJsonDepth(body);
}

/** Throws 400 with the path where a parsed body first nests too deep; returns the body otherwise. */
export function assertJsonDepth<T>(body: T): T {
  // The body itself is level 1: an object or list at depth MAX_JSON_DEPTH is one level too deep.
  const path = findInJson(body, { value: (value, depth) => depth >= MAX_JSON_DEPTH && value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) });
  if (path === undefined) return body;
  const where = `body${jsonPath(path).slice(1)}`;
  const shown = where.length > MAX_REPORTED_PATH ? `${where.slice(0, MAX_REPORTED_PATH)}…` : where;
  throw new ApiError(400, 'invalid_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, [
    { path: shown, message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
  ]);
}
