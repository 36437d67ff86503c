/**
 * npm run bench:account-nps — recomputes every account's NPS snapshots over 1M responses, and
 * in the same run executes one hand-written GROUP BY that computes the same figures.
 * Last line: {"recompute_ms", "hand_group_by_ms", "ratio" (target <= 1.2)}.
 */
import { sql } from 'kysely';
import { refreshAccountNpsSnapshots } from '../db/queries/account-nps.ts';
import { resolveWindow, STANDARD_WINDOWS } from '../nps/windows.ts';
import { openBenchDatabase, printResult, seedInstance } from './support/bench-database.ts';

const RESPONSES = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ACCOUNTS = 10_000;
const USERS = 200_000;
const ROUNDS = 3;
const now = new Date();
const timeZone = 'UTC';

async function main(): Promise<void> {
  const { db, backend, close } = await openBenchDatabase('account_nps');
  const k = db.kysely;
  try {
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
    // What an engineer would write by hand for the same counts: one pass over the responses,
    // grouped by account, a filtered count per window and category.
    const perWindow = windows.map((w) => {
      const inWindow = sql`responded_at >= ${w.start} and responded_at < ${w.end}`;
      return sql`
        count(*) filter (where ${inWindow} and category = 'promoter'),
        count(*) filter (where ${inWindow} and category = 'passive'),
        count(*) filter (where ${inWindow} and category = 'detractor'),
        max(responded_at) filter (where ${inWindow})`;
    });
    const handWritten = sql`
      select account_id, ${sql.join(perWindow)}
      from nps_responses
      where not excluded
      group by account_id
    `;

    const recomputeTimes: number[] = [];
    const handTimes: number[] = [];
    let written = 0;
    let handRows = 0;
    // Alternate the two, best of several rounds each, so neither gets a warmer cache.
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      written = await refreshAccountNpsSnapshots(k, windows, 'all', 'every_response', now);
      recomputeTimes.push(performance.now() - start);
      start = performance.now();
      handRows = (await handWritten.execute(k)).rows.length;
      handTimes.push(performance.now() - start);
    }
    if (written !== ACCOUNTS * windows.length) throw new Error(`expected ${ACCOUNTS * windows.length} snapshots, wrote ${written}`);
    const recomputeMs = Math.min(...recomputeTimes);
    const handMs = Math.min(...handTimes);
    process.stderr.write(`recompute: ${recomputeTimes.map((t) => t.toFixed(0)).join(', ')} ms; hand GROUP BY: ${handTimes.map((t) => t.toFixed(0)).join(', ')} ms (${handRows} groups)\n`);
    printResult({
      backend,
      responses: RESPONSES,
      accounts: ACCOUNTS,
      windows: windows.length,
      recompute_ms: Math.round(recomputeMs),
      hand_group_by_ms: Math.round(handMs),
      ratio: Number((recomputeMs / handMs).toFixed(3)),
    });
  } finally {
    await close();
  }
}

await main();
