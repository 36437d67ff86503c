/**
 * npm run bench:account-nps — recomputes every account's NPS snapshots over 1M responses, and
 * in the same run executes one hand-written GROUP BY that computes the same figures into a
 * table of the same shape. Last line: {"recompute_ms", "hand_group_by_ms", "ratio" (target <= 1.2)}.
 * Ends within 30 minutes, or stops and exits 1 with the reason (bench/support/run-bench.ts).
 */
import { sql } from 'kysely';
import { refreshAccountNpsSnapshots } from '../db/queries/account-nps.ts';
import { resolveWindow, STANDARD_WINDOWS } from '../nps/windows.ts';
import { openBenchDatabase, printResult, seedInstance } from './support/bench-database.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';

const RESPONSES = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ACCOUNTS = 10_000;
const USERS = 200_000;
const ROUNDS = 3;
const now = new Date();
const timeZone = 'UTC';

async function main(run: BenchRun): Promise<void> {
  const { db, backend } = await openBenchDatabase('account_nps', run);
  const k = db.kysely;
  await seedInstance(db, ACCOUNTS, USERS);
  // A year of responses, spread over users, so every standard window has data.
  await sql`
    insert into nps_responses (user_id, account_id, csm_id, score, responded_at, received_at, source, source_response_id)
    select u.id, u.account_id, a.csm_id, (i * 7) % 11,
      ${now}::timestamptz - ((i::bigint * 7919) % 31536000) * interval '1 second',
      ${now}, (array['delighted','wootric','csv'])[1 + i % 3], 'r' || i
    from generate_series(1, ${RESPONSES}) i
    join users u on u.id = 1 + (i * 31) % ${USERS}
    join accounts a on a.id = u.account_id
  `.execute(k);
  await sql`analyze`.execute(k);

  const windows = STANDARD_WINDOWS.map((window) => resolveWindow(window, { now, timeZone }));
  // What an engineer would write by hand to recompute the same figures: one GROUP BY of the
  // responses joined to the windows, written into a table of the snapshot's shape. It writes
  // its result as the recompute does; an INSERT … SELECT cannot use a parallel plan, so
  // comparing it with a bare SELECT would measure parallelism, not the query. That bare
  // SELECT, fetched to the client, is reported too.
  await sql`create table hand_snapshots (like account_nps_snapshots including defaults)`.execute(k);
  const windowRows = sql.join(windows.map((w) => sql`(${w.key}::text, ${w.start}::timestamptz, ${w.end}::timestamptz)`));
  const handGroupBy = sql`
    select r.account_id, w.key, w.starts_at, w.ends_at, 'every_response',
      count(*) filter (where r.category = 'promoter'),
      count(*) filter (where r.category = 'passive'),
      count(*) filter (where r.category = 'detractor'),
      count(*),
      100.0 * (count(*) filter (where r.category = 'promoter') - count(*) filter (where r.category = 'detractor')) / count(*),
      null::float8,
      array_agg(distinct r.source),
      max(r.responded_at),
      now()
    from nps_responses r
    join (values ${windowRows}) as w(key, starts_at, ends_at) on r.responded_at >= w.starts_at and r.responded_at < w.ends_at
    where not r.excluded
    group by r.account_id, w.key, w.starts_at, w.ends_at
  `;
  const handWritten = sql`insert into hand_snapshots ${handGroupBy}`;

  const handSelectTimes: number[] = [];
  const recomputeTimes: number[] = [];
  const handTimes: number[] = [];
  let written = 0;
  let handRows = 0;
  // Alternate the two, best of several rounds each, so neither gets a warmer cache.
  for (let round = 0; round < ROUNDS; round++) {
    let start = performance.now();
    written = await refreshAccountNpsSnapshots(k, windows, 'all', 'every_response', now);
    recomputeTimes.push(performance.now() - start);
    await sql`truncate hand_snapshots`.execute(k);
    start = performance.now();
    handRows = Number((await handWritten.execute(k)).numAffectedRows ?? 0);
    handTimes.push(performance.now() - start);
    start = performance.now();
    await handGroupBy.execute(k);
    handSelectTimes.push(performance.now() - start);
  }
  if (written !== ACCOUNTS * windows.length) throw new Error(`expected ${ACCOUNTS * windows.length} snapshots, wrote ${written}`);
  const recomputeMs = Math.min(...recomputeTimes);
  const handMs = Math.min(...handTimes);
  process.stderr.write(`recompute: ${recomputeTimes.map((t) => t.toFixed(0)).join(', ')} ms; hand GROUP BY: ${handTimes.map((t) => t.toFixed(0)).join(', ')} ms (${handRows} groups); bare SELECT: ${handSelectTimes.map((t) => t.toFixed(0)).join(', ')} ms\n`);
  printResult({
    backend,
    responses: RESPONSES,
    accounts: ACCOUNTS,
    windows: windows.length,
    recompute_ms: Math.round(recomputeMs),
    hand_group_by_ms: Math.round(handMs),
    hand_select_fetched_ms: Math.round(Math.min(...handSelectTimes)),
    ratio: Number((recomputeMs / handMs).toFixed(3)),
  });
}

await runBench('bench:account-nps', 30 * 60_000, main);
