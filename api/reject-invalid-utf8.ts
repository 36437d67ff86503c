import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { utf8Validator } from '../ingest/utf8-validator.ts';
import { ApiError } from './api-error.ts';

/**
 * preParsing: every request body must be UTF-8 (JSON requires it, and a CSV or form that is
 * not would be stored with U+FFFD in place of what it said). The body is checked as it streams
 * in, before any parser reads it; the first bad byte is a 400 with its line and offset.
 */
export async function rejectInvalidUtf8(request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> {
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  if (chunked === undefined && (length === undefined || length === '0')) return payload;
  const validator = utf8Validator(
    (error) =>
      new ApiError(400, 'invalid_encoding', `the body is not UTF-8: byte ${error.byteOffset}, on line ${error.line}, is not part of a UTF-8 character; send it as UTF-8`, [
        { path: `line ${error.line}`, message: `byte ${error.byteOffset} is not UTF-8` },
      ]),
  );
  // An aborted request destroys the validator too, so the parser reading it stops.
  pipeline(payload, validator, () => {});
  // Answered before its body was read (a 413 on the declared length): the rest is discarded, as
  // Node does for a body nobody reads, or the paused socket never sees the client's end.
  reply.raw.once('finish', () => validator.resume());
  return validator;
}
