import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { jsonPath } from '../rules/json-path.ts';
import { ApiError } from './api-error.ts';
import { findInJson } from './find-in-json.ts';

// PostgreSQL text and jsonb cannot hold U+0000: a NUL that reached a query would fail it as a
// server error. No survey tool or admin has a reason to send one, so it is refused up front.
const nulRefused = (where: string) =>
  new ApiError(400, 'invalid_request', `${where} contains a NUL character (U+0000), which npsloop cannot store`, [
    { path: where, message: 'must not contain NUL characters' },
  ]);

/** onRequest: the URL (path and query), decoded. */
export async function rejectNulInUrl(request: FastifyRequest): Promise<void> {
  if (/%00/.test(request.url) || request.url.includes('\u0000')) throw nulRefused('url');
}

/**
 * preValidation: a parsed JSON body (with the path of the first NUL), or a raw text body. A
 * streamed body (the CSV import) is not parsed yet: the route that reads it judges each row.
 */
export async function rejectNulInBody(request: FastifyRequest): Promise<void> {
  const { body } = request;
  if (body instanceof Readable) return;
  if (Buffer.isBuffer(body)) {
    // JSON's escape for NUL (not preceded by an escaping backslash), or a raw zero byte.
    if (body.includes(0) || /(?<!\\)\\u0000/.test(body.toString('utf8'))) throw nulRefused('body');
  } else if (typeof body === 'string') {
    if (body.includes('\u0000')) throw nulRefused('body');
  } else {
    assertNoNul(body);
  }
}

/** Throws 400 with the path of the first NUL in a parsed body; returns the body otherwise. */
export function assertNoNul<T>(body: T): T {
  const path = findInJson(body, { value: (value) => typeof value === 'string' && value.includes('\u0000'), key: (key) => key.includes('\u0000') });
  if (path) throw nulRefused(`body${jsonPath(path).slice(1)}`);
  return body;
}
