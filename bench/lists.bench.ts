/**
 * npm run bench:lists — one list rule over 1M users, three ways in the same run: the compiled
 * SQL, a hand-written SQL query selecting the same users, and json-rules-engine in a loop over
 * every user's facts. Then trigger evaluation latency per event.
 * Last line: {"compiled_sql_ms", "hand_sql_ms", "json_rules_engine_ms", "ratio_vs_hand_sql" (target <= 1.5),
 * "speedup_vs_json_rules_engine" (target >= 50), "trigger_p50_ms", "trigger_p99_ms" (target p99 < 1)}.
 * Ends within 30 minutes, or stops and exits 1 with the reason (bench/support/run-bench.ts).
 */
import { sql } from 'kysely';
import { matchingIdsQuery } from '../rule-sql/compile-sql.ts';
import { DEFAULT_TRIGGER_RULES } from '../rules/default-rules.ts';
import { compileRule } from '../rules/evaluate-rule.ts';
import { userFactPages } from '../rule-sql/load-facts.ts';
import type { ListRule, TriggerRule } from '../rules/rule-schema.ts';
import { validateRule } from '../rules/validate-rule.ts';
import { openBenchDatabase, printResult, seedInstance } from './support/bench-database.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';

const USERS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ACCOUNTS = Math.max(1, Math.floor(USERS / 50));
const TRIGGER_EVENTS = 20_000;
const now = new Date();
const settings = { now, timeZone: 'UTC', counting: 'every_response' as const };

/** "Detractors whose role is admin, captured in the last 30 days." */
const rule = validatedList({
  kind: 'list',
  name: 'recent-admin-detractors',
  conditions: {
    all: [
      { fact: 'latestCategory', operator: 'equal', value: 'detractor' },
      { fact: 'latestRespondedAt', operator: 'inLastDays', value: 30 },
      { fact: 'role', operator: 'equal', value: 'admin' },
    ],
  },
});

function validatedList(input: unknown): ListRule {
  const result = validateRule(input);
  if (!result.ok || result.rule.kind !== 'list') throw new Error(`bench rule is invalid: ${JSON.stringify(result)}`);
  return result.rule;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(run: BenchRun): Promise<void> {
  const { db, backend } = await openBenchDatabase('lists', run);
  const k = db.kysely;
  process.stderr.write(`seeding ${USERS} users and their responses\n`);
  await seedInstance(db, ACCOUNTS, USERS);
  // About one response per user over the last 120 days, a quarter of users with two.
  await sql`
    insert into nps_responses (user_id, account_id, csm_id, score, responded_at, received_at, source, source_response_id)
    select u.id, u.account_id, null, (u.id * 7 + n) % 11,
      ${now}::timestamptz - (((u.id::bigint * 7919 + n * 104729) % 10368000) * interval '1 second'),
      ${now}, 'csv', 'r' || u.id || '-' || n
    from users u cross join generate_series(1, 2) n
    where n = 1 or u.id % 4 = 0
  `.execute(k);
  // What autovacuum does after a bulk load: statistics, and the visibility map index-only scans need.
  await sql`vacuum analyze`.execute(k);

  // 1. The compiled SQL, and 2. what an engineer would write by hand for the same users:
  // alternated, best of three rounds each, so neither profits from the other's cache.
  const compiledQuery = matchingIdsQuery(k, 'user', rule.conditions, settings);
  const handQuery = sql<{ id: number }>`
    select u.id
    from users u
    join lateral (
      select r.category, r.responded_at from nps_responses r
      where r.user_id = u.id
      order by r.responded_at desc, r.id desc
      limit 1
    ) latest on true
    where u.role = 'admin'
      and latest.category = 'detractor'
      and latest.responded_at >= ${new Date(now.getTime() - 30 * 86_400_000)}
      and latest.responded_at <= ${now}
  `;
  let compiled: { id: number }[] = [];
  let hand: { id: number }[] = [];
  const compiledTimes: number[] = [];
  const handTimes: number[] = [];
  let start: number;
  for (let round = 0; round < 3; round++) {
    start = performance.now();
    compiled = await compiledQuery.execute();
    compiledTimes.push(performance.now() - start);
    start = performance.now();
    hand = (await handQuery.execute(k)).rows;
    handTimes.push(performance.now() - start);
  }
  const compiledMs = Math.min(...compiledTimes);
  const handMs = Math.min(...handTimes);

  // 3. json-rules-engine over every user's facts, loaded in pages.
  const evaluator = compileRule(rule, () => now);
  let engineMatches = 0;
  start = performance.now();
  for await (const page of userFactPages(k, rule.conditions, settings, { pageSize: 20_000 })) {
    for (const { facts } of page) if ((await evaluator.evaluate(facts)).matched) engineMatches += 1;
  }
  const engineMs = performance.now() - start;

  const compiledIds = new Set(compiled.map((r) => r.id));
  if (compiledIds.size !== hand.length || hand.some((r) => !compiledIds.has(r.id)) || engineMatches !== compiledIds.size) {
    throw new Error(`the three ways disagree: compiled ${compiledIds.size}, hand ${hand.length}, json-rules-engine ${engineMatches}`);
  }
  process.stderr.write(`${compiledIds.size} users match; compiled ${compiledMs.toFixed(0)} ms, hand ${handMs.toFixed(0)} ms, engine ${engineMs.toFixed(0)} ms\n`);

  // Trigger latency: every default trigger against a stream of varied events, in memory.
  const triggers = DEFAULT_TRIGGER_RULES.map((trigger: TriggerRule) => compileRule(trigger, () => now));
  const latencies: number[] = [];
  for (let i = 0; i < TRIGGER_EVENTS; i++) {
    const score = i % 11;
    const facts = {
      score,
      category: score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor',
      previousScore: i % 3 === 0 ? null : (i * 7) % 11,
      hasComment: i % 2 === 0,
      role: i % 5 === 0 ? 'admin' : 'user',
    };
    const eventStart = performance.now();
    for (const trigger of triggers) await trigger.evaluate(facts);
    latencies.push(performance.now() - eventStart);
  }
  // The first events warm the JIT; measure the steady state a running worker sees.
  const steady = latencies.slice(1_000).sort((a, b) => a - b);

  printResult({
    backend,
    users: USERS,
    matched: compiledIds.size,
    compiled_sql_ms: Math.round(compiledMs),
    hand_sql_ms: Math.round(handMs),
    json_rules_engine_ms: Math.round(engineMs),
    ratio_vs_hand_sql: Number((compiledMs / handMs).toFixed(3)),
    speedup_vs_json_rules_engine: Number((engineMs / compiledMs).toFixed(1)),
    trigger_rules: triggers.length,
    trigger_p50_ms: Number(percentile(steady, 50).toFixed(4)),
    trigger_p99_ms: Number(percentile(steady, 99).toFixed(4)),
  });
}

await runBench('bench:lists', 30 * 60_000, main);
