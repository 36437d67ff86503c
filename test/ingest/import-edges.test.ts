import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { postOverSocket } from '../helpers/http-request.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const MiB = 1024 * 1024;
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const HEADER = 'email,score,respondedAt,responseId,comment\n';

/**
 * A CSV of about `bytes`, made as it is read: `recent` rows from the last weeks, then rows of
 * about 1 KB each from 2020 (older than the history window, so skipped once read).
 */
function generatedHistory(email: string, bytes: number, recent: number): Readable {
  const filler = 'x'.repeat(900);
  return Readable.from(
    (function* () {
      let sent = 0;
      let row = 0;
      const rows = (count: number) =>
        Array.from({ length: count }, () => {
          row += 1;
          return row <= recent ? `${email},${row % 11},${daysAgo(1 + (row % 20))},r${row},\n` : `${email},7,2020-01-01T00:00:00Z,old${row},${filler}\n`;
        }).join('');
      let chunk = HEADER;
      while (sent < bytes) {
        chunk += rows(64);
        sent += Buffer.byteLength(chunk);
        yield chunk;
        chunk = '';
      }
    })(),
    { objectMode: false },
  );
}

/**
 * The peak growth of this process's resident memory while `work` runs, garbage collected at each
 * sample (vitest.config.ts exposes gc): what the upload keeps alive, not the chunks already
 * handled that V8 has yet to collect, which otherwise made the figure swing from 5 to 90 MiB.
 */
async function rssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const { gc } = globalThis as { gc?: () => void };
  if (!gc) throw new Error('run with --expose-gc (vitest.config.ts sets it)');
  gc();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  // Each sample 50 ms after the last one's collection ended, so collecting never crowds out the work.
  let sampler: NodeJS.Timeout;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage.rss());
    sampler = setTimeout(sample, 50);
  };
  sampler = setTimeout(sample, 50);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthBytes: peak - baseline };
  } finally {
    clearTimeout(sampler);
  }
}

const uploadFolders = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('npsloop-upload-')).length;

// Edges of the CSV import over HTTP, through a listening server as a real client sends files.
describeEachBackend('CSV import edges over HTTP', (db) => {
  let app: ApiApp;
  let url: string;
  let headers: Record<string, string>;
  let email: string;

  beforeEach(async () => {
    const k = db().kysely;
    const { csm, users } = await seedAccount(k, { users: ['ann@acme.example'] });
    email = users[0]!.email;
    headers = { ...bearer((await createRoleTokens(k, csm.id)).ingest), 'content-type': 'text/csv' };
    app = await createTestApi(k);
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/imports/responses`;
  });

  afterEach(async () => {
    await app.close();
  });

  const countResponses = async () => (await db().kysely.selectFrom('nps_responses').select('id').execute()).length;

  it('refuses a 101 MiB file streamed without a length with 413 at the limit, storing none of its valid rows, in bounded memory', async () => {
    const foldersBefore = uploadFolders();
    const { result: answer, growthBytes } = await rssGrowth(() => postOverSocket(url, headers, generatedHistory(email, 101 * MiB, 5_000)));
    expect(answer.status, answer.text).toBe(413);
    expect(answer.json().error).toMatchObject({ code: 'body_too_large', message: expect.stringContaining(`larger than ${100 * MiB} bytes`) });
    expect(await countResponses()).toBe(0);
    expect(uploadFolders()).toBe(foldersBefore);
    console.info(`101 MiB refused upload: RSS grew by ${(growthBytes / MiB).toFixed(1)} MiB`);
    expect(growthBytes).toBeLessThan(40 * MiB);
    // A declared length over the limit is refused before a byte is read.
    const declared = await postOverSocket(url, { ...headers, 'content-length': String(100 * MiB + 1) }, generatedHistory(email, 100 * MiB + 1, 0));
    expect(declared.status).toBe(413);
  }, 120_000);

  it('takes a 20 MiB file within the limit, rows older than the window skipped, in bounded memory', async () => {
    const { result: answer, growthBytes } = await rssGrowth(() => postOverSocket(url, headers, generatedHistory(email, 20 * MiB, 2_000)));
    expect(answer.status, answer.text.slice(0, 500)).toBe(200);
    expect(answer.json()).toMatchObject({ accepted: 2_000, inserted: 2_000, rejected: 0 });
    expect(answer.json().skipped).toBeGreaterThan(20_000);
    expect(await countResponses()).toBe(2_000);
    console.info(`20 MiB import: RSS grew by ${(growthBytes / MiB).toFixed(1)} MiB`);
    // Buffering the upload would cost well over 100 MiB (the bytes, the text, the rows). On
    // PostgreSQL the growth is the import's alone and held to 60 MiB; PGlite is the database in
    // this very process, whose WebAssembly heap grows as it stores the rows (and never shrinks,
    // so how much depends on the tests before), hence more room there for the same streaming path.
    expect(growthBytes).toBeLessThan((db().kind === 'pglite' ? 120 : 60) * MiB);
  }, 120_000);

  it('refuses a file with a 1 MB field at its line, storing nothing', async () => {
    const file = `${HEADER}${email},9,${daysAgo(1)},r1,fine\n${email},9,${daysAgo(1)},r2,${'y'.repeat(1_000_000)}\n${email},9,${daysAgo(1)},r3,\n`;
    const answer = await postOverSocket(url, headers, file);
    expect(answer.status).toBe(400);
    expect(answer.json().error).toMatchObject({
      code: 'invalid_csv',
      message: 'CSV line 3: the row is longer than 262,144 bytes, the most a row may hold; nothing was imported',
      issues: [{ path: 'line 3', message: 'the row is longer than 262,144 bytes, the most a row may hold' }],
    });
    expect(await countResponses()).toBe(0);
  });

  it('rejects the row with a 100,000-character comment at its line and field, and takes the others', async () => {
    const file = `${HEADER}${email},9,${daysAgo(1)},r1,fine\n${email},3,${daysAgo(2)},r2,"${'z'.repeat(100_000)}"\n${email},10,${daysAgo(3)},r3,\n`;
    const answer = await postOverSocket(url, headers, file);
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({
      inserted: 2,
      rejected: 1,
      rejections: [{ line: 3, reason: 'invalid', sourceResponseId: 'r2', issues: [{ path: 'comment', message: 'must be at most 10,000 characters' }] }],
    });
    expect(await countResponses()).toBe(2);
  });

  it('refuses a file that is not UTF-8 with its line, storing nothing', async () => {
    const file = Buffer.concat([Buffer.from(`${HEADER}${email},9,${daysAgo(1)},r1,fine\n${email},9,${daysAgo(1)},r2,Jos`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const answer = await postOverSocket(url, headers, file);
    expect(answer.status).toBe(400);
    expect(answer.json().error).toMatchObject({ code: 'invalid_encoding', issues: [{ path: 'line 3', message: `byte ${file.indexOf(0xe9)} is not UTF-8` }] });
    expect(await countResponses()).toBe(0);
  });

  it('reads a UTF-8 byte-order mark, CRLF and bare-CR line ends, with rejections at the right lines', async () => {
    const bom = '\ufeff';
    const rows = [`${email},9,${daysAgo(1)},r1,Olá 😀`, `${email},11,${daysAgo(1)},r2,`, `${email},4,${daysAgo(2)},r3,"two\nlines"`];
    for (const [name, end] of [['CRLF', '\r\n'], ['CR', '\r']] as const) {
      const file = `${bom}${HEADER.trimEnd()}${end}${rows.join(end)}${end}`;
      const answer = await postOverSocket(`${url}?source=${name}`, headers, file);
      expect(answer.status, `${name}: ${answer.text}`).toBe(200);
      expect(answer.json(), name).toMatchObject({ rows: 3, inserted: 2, rejected: 1, rejections: [{ line: 3, issues: [{ path: 'score' }] }] });
    }
    const stored = await db().kysely.selectFrom('nps_responses').select(['source', 'source_response_id', 'comment']).orderBy('source').orderBy('source_response_id').execute();
    expect(stored).toEqual([
      { source: 'CR', source_response_id: 'r1', comment: 'Olá 😀' },
      { source: 'CR', source_response_id: 'r3', comment: 'two\nlines' },
      { source: 'CRLF', source_response_id: 'r1', comment: 'Olá 😀' },
      { source: 'CRLF', source_response_id: 'r3', comment: 'two\nlines' },
    ]);
  });
});
