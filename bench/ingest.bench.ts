/**
 * npm run bench:ingest — loads a generated 1M-response CSV through the real ingest path, then,
 * in the same run and on the same database, COPYs the same rows into the same table.
 * Last line: {"rows_per_s", "copy_rows_per_s", "ratio" (target >= 0.5), "peak_rss_mb" (target < 400)}.
 * Ends within 60 minutes, or stops and exits 1 with the reason (bench/support/run-bench.ts).
 * peak_rss_mb is this process's peak up to the end of the import; on PGlite it includes the
 * embedded database engine itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { importHistoryCsv } from '../ingest/import-history-csv.ts';
import { currentRssMb, openBenchDatabase, peakRssMb, printResult, seedInstance } from './support/bench-database.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const USERS = 100_000;
const ACCOUNTS = 5_000;
const now = new Date();
const since = new Date(now.getTime() - 180 * 86_400_000);


/** Deterministic pseudo-random numbers, so every run loads the same file. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Writes the import file and, alongside, the same rows as COPY needs them (user, account and
 * CSM already resolved, as the ingest path resolves them), so both load identical data.
 */
async function generateFiles(csvPath: string, copyPath: string): Promise<void> {
  const next = random(42);
  const receivedAt = now.toISOString();
  const csv = fs.createWriteStream(csvPath);
  const copy = fs.createWriteStream(copyPath);
  const csms = Math.max(1, Math.floor(ACCOUNTS / 50));
  csv.write('responseId,email,score,respondedAt,comment\n');
  for (let i = 1; i <= ROWS; i++) {
    const user = 1 + Math.floor(next() * USERS);
    const account = 1 + (user % ACCOUNTS);
    const csm = 1 + (account % csms);
    const score = Math.floor(next() * 11);
    const respondedAt = new Date(since.getTime() + 3_600_000 + next() * (now.getTime() - since.getTime() - 7_200_000)).toISOString();
    const comment = next() < 0.2 ? `comment ${i}` : '';
    const id = `r${i}`;
    const csvOk = csv.write(`${id},user${user}@example.com,${score},${respondedAt},${comment}\n`);
    const copyOk = copy.write(`${user},${account},${csm},${score},${comment},${respondedAt},${receivedAt},${receivedAt},csv,${id},f\n`);
    if (!csvOk) await new Promise<void>((resolve) => csv.once('drain', () => resolve()));
    if (!copyOk) await new Promise<void>((resolve) => copy.once('drain', () => resolve()));
  }
  await Promise.all([new Promise<void>((r) => csv.end(r)), new Promise<void>((r) => copy.end(r))]);
}

const COPY_SQL = `copy nps_responses (user_id, account_id, csm_id, score, comment, responded_at, received_at, updated_at, source, source_response_id, excluded) from %SOURCE% with (format csv)`;

async function main(run: BenchRun): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-bench-ingest-'));
  run.onEnd(`the work folder ${workDir}`, () => fs.rmSync(workDir, { recursive: true, force: true }));
  const csvPath = path.join(workDir, 'responses.csv');
  const copyPath = path.join(workDir, 'responses-copy.csv');
  process.stderr.write(`generating ${ROWS} rows in ${workDir}\n`);
  await generateFiles(csvPath, copyPath);
  process.stderr.write(`rss after generating: ${currentRssMb()} MB\n`);
  const { db, backend } = await openBenchDatabase('ingest', run);
  await seedInstance(db, ACCOUNTS, USERS);
  process.stderr.write(`rss after seeding: ${currentRssMb()} MB\n`);

  const rssBefore = peakRssMb();
  const ingestStart = performance.now();
  const result = await importHistoryCsv(db.kysely, fs.createReadStream(csvPath), {
    now,
    timeZone: 'UTC',
    since,
    counting: 'every_response',
    onProgress: (p) => {
      if (p.rows % 100_000 < 5_000) process.stderr.write(`  ingest: ${p.rows} rows\r`);
    },
  });
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  const ingestPeakRss = peakRssMb();
  if (result.accepted !== ROWS) throw new Error(`expected ${ROWS} accepted rows, got ${JSON.stringify({ ...result, rejections: result.rejections.slice(0, 3) })}`);
  process.stderr.write(`\ningest: ${ROWS} rows in ${ingestSeconds.toFixed(1)} s (snapshot refresh included)\n`);

  await sql`truncate nps_responses cascade`.execute(db.kysely);
  const copyStart = performance.now();
  if (db.pool) {
    const client = await db.pool.connect();
    try {
      await pipeline(fs.createReadStream(copyPath), client.query(copyFrom(COPY_SQL.replace('%SOURCE%', 'stdin'))));
    } finally {
      client.release();
    }
  } else if (db.pglite) {
    const blob = new Blob([fs.readFileSync(copyPath)]);
    await db.pglite.query(COPY_SQL.replace('%SOURCE%', "'/dev/blob'"), [], { blob });
  }
  const copySeconds = (performance.now() - copyStart) / 1000;
  const copied = await db.kysely.selectFrom('nps_responses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(copied.n) !== ROWS) throw new Error(`COPY loaded ${copied.n} rows, expected ${ROWS}`);
  process.stderr.write(`copy: ${ROWS} rows in ${copySeconds.toFixed(1)} s\n`);

  const rowsPerS = ROWS / ingestSeconds;
  const copyRowsPerS = ROWS / copySeconds;
  printResult({
    backend,
    rows: ROWS,
    ingest_s: Number(ingestSeconds.toFixed(2)),
    copy_s: Number(copySeconds.toFixed(2)),
    rows_per_s: Math.round(rowsPerS),
    copy_rows_per_s: Math.round(copyRowsPerS),
    ratio: Number((rowsPerS / copyRowsPerS).toFixed(3)),
    rss_before_ingest_mb: rssBefore,
    peak_rss_mb: ingestPeakRss,
  });
}

await runBench('bench:ingest', 60 * 60_000, main);
