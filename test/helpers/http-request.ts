import http from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

/**
 * A POST over a real socket (a connection of its own) to a listening server, with its body
 * written as it comes: a string, bytes, or a stream (sent chunked unless `content-length` is
 * given). A server that answers before reading the whole body (a 413) ends the upload; the
 * answer is still returned.
 */
export function postOverSocket(url: string, headers: Record<string, string>, body: string | Buffer | Readable): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    // No keep-alive: a connection the server dropped mid-upload must not carry the next request.
    const request = http.request(url, { method: 'POST', headers, agent: false }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        // An upload the server answered early is abandoned, so the connection does not linger.
        request.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: () => JSON.parse(text) });
      });
    });
    // An upload cut short by the server's early answer is not the test's failure: the answer is.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered || (error.code !== 'EPIPE' && error.code !== 'ECONNRESET')) reject(error);
    });
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      request.end(body);
      return;
    }
    pipeline(body, request).catch(() => {
      // The same early answer: the upload stream is destroyed, the response still arrives.
    });
  });
}
