import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { jsonPath } from '../rules/json-path.ts';
import { ApiError } from './api-error.ts';

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
  const path = tooDeepAt(body);
  if (path === undefined) return body;
  const where = `body${jsonPath(path).slice(1)}`;
  const shown = where.length > MAX_REPORTED_PATH ? `${where.slice(0, MAX_REPORTED_PATH)}…` : where;
  throw new ApiError(400, 'invalid_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, [
    { path: shown, message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
  ]);
}

/** The path of the first object or list below MAX_JSON_DEPTH; iterative, so it is safe at any depth. */
function tooDeepAt(root: unknown): PropertyKey[] | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue;
    // The body itself is level 1.
    if (path.length >= MAX_JSON_DEPTH) return path;
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      stack.push({ value: item, path: [...path, Array.isArray(value) ? Number(key) : key] });
    }
  }
  return undefined;
}
