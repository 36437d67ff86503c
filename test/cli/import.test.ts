import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import type { Database } from '../../db/database.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { cliRunner } from '../helpers/run-cli.ts';
import { backends, createTestDatabase, emptyDatabase } from '../helpers/test-database.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const EMAIL = 'ann@acme.example';
const NOT_IMPORTED = /; nothing was imported\n$/;

// `npsloop import` as a person runs it: a child process, on the embedded database or on PostgreSQL.
describe.each(backends)('npsloop import [%s]', (backend) => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-cli-import-'));
  let postgres: { db: Db; drop: () => Promise<void>; url?: string } | undefined;
  let dataDir: string;

  afterAll(async () => {
    await postgres?.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs `work` on the database the CLI uses; the embedded one is open only meanwhile, as the CLI needs it closed. */
  async function onDatabase<T>(work: (k: Kysely<Database>) => Promise<T>): Promise<T> {
    if (postgres) return work(postgres.db.kysely);
    const db = await openDatabase(loadConfig({ NPSLOOP_DATA_DIR: dataDir }).database);
    try {
      return await work(db.kysely);
    } finally {
      await db.close();
    }
  }

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(workDir, 'data-'));
    if (backend === 'postgres') {
      postgres ??= await createTestDatabase('postgres');
      await emptyDatabase(postgres.db);
    }
    await onDatabase((k) => seedAccount(k, { users: [EMAIL] }));
  }, 120_000);

  const npsloop = (...args: string[]) => cliRunner(dataDir, postgres?.url ? { DATABASE_URL: postgres.url } : {})(...args);

  function file(name: string, content: string | Buffer): string {
    const target = path.join(workDir, name);
    fs.writeFileSync(target, content);
    return target;
  }

  const storedIds = () => onDatabase(async (k) => (await k.selectFrom('nps_responses').select('source_response_id').orderBy('source_response_id').execute()).map((r) => r.source_response_id));

  it('rejects dates beyond their edges at their lines, and takes the dates at them', async () => {
    const beyond = ['10000000000000000', '100000000000000000000', '-10000000000000000', '0000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '946684799'];
    const csv = file(
      'dates.csv',
      ['email,score,respondedAt,responseId', ...beyond.map((value, i) => `${EMAIL},9,${value},bad-${i}`), `${EMAIL},9,2000-01-01T00:00:00Z,edge-iso`, `${EMAIL},9,946684800,edge-seconds`].join('\n'),
    );
    const result = await npsloop('import', csv, '--since', '1999-01-01');
    // Rows were rejected: exit code 1, after the summary.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('8 rows read: 2 new, 0 updated, 0 unchanged, 6 rejected');
    for (const line of [
      'line 2: invalid: respondedAt is not a date: "10000000000000000"',
      'line 3: invalid: respondedAt is not a date: "100000000000000000000"',
      'line 4: invalid: respondedAt is not a date: "-10000000000000000"',
      'line 5: invalid: respondedAt is before 2000-01-01, earlier than any NPS response: 0000-01-01T00:00:00.000Z',
      'line 6: invalid: respondedAt is in the future: +010000-01-01T00:00:00.000Z',
      'line 7: invalid: respondedAt is before 2000-01-01, earlier than any NPS response: 1999-12-31T23:59:59.000Z',
    ]) {
      expect(result.stdout).toContain(line);
    }
    expect(await storedIds()).toEqual(['edge-iso', 'edge-seconds']);
  }, 180_000);

  it('exits 0 when every row is taken and 1 when any is rejected, printing the summary either way (as JSON too)', async () => {
    const clean = await npsloop('import', file('clean.csv', `email,score,respondedAt,responseId\n${EMAIL},9,${daysAgo(1)},ok-1\n`), '--json');
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ inserted: 1, rejected: 0 });
    const oneBad = await npsloop('import', file('one-bad.csv', `email,score,respondedAt,responseId\n${EMAIL},9,${daysAgo(1)},ok-2\n${EMAIL},11,${daysAgo(1)},bad-1\n`), '--json');
    expect(oneBad.code, oneBad.stderr).toBe(1);
    expect(JSON.parse(oneBad.stdout)).toMatchObject({ inserted: 1, rejected: 1 });
    expect(oneBad.stderr).toBe('');
    expect(await storedIds()).toEqual(['ok-1', 'ok-2']);
  }, 180_000);

  it('stores nothing of a file with an unclosed quote at line 11,002 of 12,000, and names that line', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `${EMAIL},${i % 11},${daysAgo(1 + (i % 30))},r${i + 2}`);
    rows[11_000] = `${EMAIL},9,${daysAgo(1)},"r11002`;
    const result = await npsloop('import', file('unclosed.csv', ['email,score,respondedAt,responseId', ...rows].join('\n')));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^npsloop: CSV line 11002: the row starting here cannot be read: Quote Not Closed/);
    expect(result.stderr).toMatch(NOT_IMPORTED);
    expect(await storedIds()).toEqual([]);
  }, 180_000);

  it('rejects the row with a NUL at its line and column, keeps it in the rejection log, and imports the others', async () => {
    const rows = Array.from({ length: 8_000 }, (_, i) => `${EMAIL},${i % 11},${daysAgo(1 + (i % 30))},r${i + 2},`);
    rows[6_999] = `${EMAIL},9,${daysAgo(1)},r7001,"a\u0000b"`;
    const result = await npsloop('import', file('nul.csv', ['email,score,respondedAt,responseId,comment', ...rows].join('\n')));
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('8000 rows read: 7999 new, 0 updated, 0 unchanged, 1 rejected');
    expect(result.stdout).toContain('line 7001: invalid: comment must not contain NUL characters (U+0000)');
    const logged = await onDatabase((k) => k.selectFrom('rejected_responses').select(['line', 'source_response_id', 'payload']).execute());
    expect(logged).toEqual([{ line: 7_001, source_response_id: 'r7001', payload: expect.objectContaining({ comment: 'a\u2400b' }) }]);
    expect(await onDatabase(async (k) => (await k.selectFrom('nps_responses').select('id').execute()).length)).toBe(7_999);
  }, 180_000);

  it('refuses a file that is not UTF-8, and one with a 1 MB field, at their lines, storing nothing', async () => {
    const latin1 = Buffer.concat([Buffer.from(`email,score,respondedAt,comment\r\n${EMAIL},9,${daysAgo(1)},ok\r\n${EMAIL},9,${daysAgo(2)},Jos`), Buffer.from([0xe9]), Buffer.from('\r\n')]);
    const notUtf8 = await npsloop('import', file('latin1.csv', latin1));
    expect(notUtf8.code).toBe(1);
    expect(notUtf8.stderr).toBe(`npsloop: CSV line 3: byte ${latin1.indexOf(0xe9)} of the file is not UTF-8; save the file as UTF-8 and import it again; nothing was imported\n`);
    const wide = await npsloop('import', file('wide.csv', `email,score,respondedAt,comment\n${EMAIL},9,${daysAgo(1)},ok\n${EMAIL},9,${daysAgo(1)},${'w'.repeat(1_000_000)}\n`));
    expect(wide.code).toBe(1);
    expect(wide.stderr).toBe('npsloop: CSV line 3: the row is longer than 262,144 bytes, the most a row may hold; nothing was imported\n');
    expect(await storedIds()).toEqual([]);
  }, 180_000);

  it("queues the workflows of only the last 7 days' responses, none again on a re-import, and none with --no-journeys", async () => {
    const queued = () =>
      onDatabase(async (k) =>
        (await k.selectFrom('response_workflow_starts as s').innerJoin('nps_responses as r', 'r.id', 's.response_id').select('r.source_response_id').execute()).map(
          (row) => row.source_response_id,
        ),
      );
    const history = file('recent-and-old.csv', `responseId,email,score,respondedAt\nyesterday,${EMAIL},2,${daysAgo(1)}\nold,${EMAIL},3,${daysAgo(91)}\n`);
    const first = await npsloop('import', history);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 workflows of the last 7 days queued to start');
    expect(await queued()).toEqual(['yesterday']);
    const again = await npsloop('import', history, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ unchanged: 2, workflowsQueued: 0 });

    const wave = file('wave.csv', `responseId,email,score,respondedAt\nwave,${EMAIL},1,${daysAgo(1)}\n`);
    const off = await npsloop('import', wave, '--no-journeys', '--json');
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ inserted: 1, workflowsQueued: 0 });
    expect(await queued()).toEqual(['yesterday']);
  });

  it('imports a 100 MB file with its heap held to 96 MB', async () => {
    const target = path.join(workDir, 'large.csv');
    const out = fs.createWriteStream(target);
    out.write('\ufeffemail,score,respondedAt,responseId,comment\r\n');
    const filler = 'x'.repeat(1_000);
    let written = 0;
    for (let row = 1; written < 100_000_000; row++) {
      const line = row <= 1_000 ? `${EMAIL},${row % 11},${daysAgo(1 + (row % 30))},r${row},\r\n` : `${EMAIL},7,2020-01-01T00:00:00Z,old${row},${filler}\r\n`;
      written += line.length;
      if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(resolve));
    // A heap this small cannot hold the file: the import must stream it.
    const result = await cliRunner(dataDir, { NODE_OPTIONS: '--max-old-space-size=96', ...(postgres?.url ? { DATABASE_URL: postgres.url } : {}) })('import', target, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ inserted: 1_000, rejected: 0 });
    expect(JSON.parse(result.stdout).skipped).toBeGreaterThan(95_000);
  }, 300_000);
});
