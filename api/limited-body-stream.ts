import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable, Transform } from 'node:stream';
import { ApiError } from './api-error.ts';

const tooLarge = (limit: number) => new ApiError(413, 'body_too_large', `the body is larger than ${limit} bytes; split it into several requests`);

/**
 * A streamed request body that fails with 413 once it passes `limit` bytes. Fastify enforces
 * `bodyLimit` only on bodies it buffers; a streamed route checks its own. A declared length over
 * the limit is refused before anything is read.
 */
export function limitedBodyStream(body: Readable, headers: IncomingHttpHeaders, limit: number): Readable {
  if (Number(headers['content-length']) > limit) throw tooLarge(limit);
  let received = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(received > limit ? tooLarge(limit) : null, chunk);
    },
  });
  // The limiter is what is read from: a failing or aborted request destroys it with the error.
  pipeline(body, limiter, () => {});
  return limiter;
}
