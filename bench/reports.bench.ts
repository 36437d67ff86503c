/**
 * npm run bench:reports — the report engine over 1M responses, 200 CSMs in a 3-level chain and
 * 5,000 accounts that each changed owner once during the year: NPS by CSM by month over 12 months,
 * by team by quarter, and by account by month over 6 months (the accounts grid's sparklines), against one hand-written GROUP BY that computes the same cells, in the
 * same run, on PGlite and (with DATABASE_URL) PostgreSQL. Exits 1 if the two disagree on any cell
 * or a ratio is over 1.5. Last line: {"reports": [{backend, report, report_ms, hand_group_by_ms,
 * ratio, cells}], "ratio" (the largest), "agree"}.
 * Ends within 30 minutes, or stops and exits 1 with the reason (bench/support/run-bench.ts).
 */
import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../db/database.ts';
import { teamsOf } from '../reports/csm-teams.ts';
import { type NpsReport, npsReport, type NpsReportRequest } from '../reports/nps-report.ts';
import { openBenchDatabase, printResult, seedUsers } from './support/bench-database.ts';
import { type BenchRun, runBench } from './support/run-bench.ts';

const RESPONSES = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ACCOUNTS = 5_000;
const USERS = 100_000;
const ROUNDS = 3;
const RATIO_LIMIT = 1.5;
const timeZone = 'Europe/Paris';
const now = new Date();

/** 4 heads of CS, 36 managers (9 each), 160 CSMs (4 or 5 each): 200 people, three levels. */
async function seed(k: Kysely<Database>): Promise<void> {
  await sql`
    insert into csms (external_id, email, name, manager_id)
    select 'csm-' || i, 'csm' || i || '@cs.example', 'CSM ' || lpad(i::text, 3, '0'), null from generate_series(1, 200) i
  `.execute(k);
  await sql`update csms set manager_id = 1 + (id - 5) / 9 where id between 5 and 40`.execute(k);
  await sql`update csms set manager_id = 5 + (id - 41) % 36 where id > 40`.execute(k);
  // Each account moves from one CSM to another on a day of the past year.
  await sql`
    insert into accounts (external_id, name, segment, csm_id)
    select 'acct-' || i, 'Account ' || i, (array['smb','mid-market','enterprise'])[1 + i % 3], 41 + (i * 7) % 160
    from generate_series(1, ${ACCOUNTS}) i
  `.execute(k);
  await sql`
    insert into account_ownership (account_id, csm_id, valid_from, valid_to)
    select id, 41 + (id * 13) % 160, 'epoch', ${now}::timestamptz - ((id * 7919) % 365) * interval '1 day' from accounts
    union all
    select id, csm_id, ${now}::timestamptz - ((id * 7919) % 365) * interval '1 day', null from accounts
  `.execute(k);
  await seedUsers(k, USERS, ACCOUNTS);
  // Thirteen months of responses, each credited to the owner of its account at the time, as ingest does.
  await sql`
    insert into nps_responses (user_id, account_id, csm_id, score, responded_at, received_at, source, source_response_id)
    select u.id, u.account_id, o.csm_id, (i * 7) % 11, t.at, ${now}, 'csv', 'r' || i
    from generate_series(1, ${RESPONSES}) i
    join users u on u.id = 1 + (i * 31) % ${USERS}
    cross join lateral (select ${now}::timestamptz - ((i::bigint * 7919) % 34128000) * interval '1 second' as at) t
    join account_ownership o on o.account_id = u.account_id and o.valid_from <= t.at and (o.valid_to is null or o.valid_to > t.at)
  `.execute(k);
  await sql`analyze`.execute(k);
}

type Cells = Map<string, string>;

/** What an engineer would write by hand for the same cells: one GROUP BY per report. */
async function handGroupBy(k: Kysely<Database>, request: NpsReportRequest, report: NpsReport, from: Date): Promise<Cells> {
  const to = report.to;
  const unit = request.unit;
  const counts = sql`
    count(*) filter (where r.category = 'promoter')::int as p,
    count(*) filter (where r.category = 'passive')::int as n,
    count(*) filter (where r.category = 'detractor')::int as d`;
  const inRange = sql`not r.excluded and r.responded_at >= ${from} and r.responded_at < ${to}`;
  const period = sql`date_trunc(${unit}, r.responded_at, ${timeZone})`;
  let rows: { k: string | null; period: Date; p: number; n: number; d: number }[];
  if (request.grouping.dimension === 'team') {
    const csms = await k.selectFrom('csms').select(['id', 'manager_id']).execute();
    const pairs = [...teamsOf(csms.map((c) => ({ id: c.id, managerId: c.manager_id })))].flatMap(([team, members]) => members.map((m) => [team, m]));
    ({ rows } = await sql<(typeof rows)[number]>`
      select m.team::text as k, ${period} as period, ${counts}
      from nps_responses r join unnest(${pairs.map((p) => p[0])}::int[], ${pairs.map((p) => p[1])}::int[]) as m(team, csm) on m.csm = r.csm_id
      where ${inRange} group by 1, 2
      union all
      select 'company', ${period}, ${counts} from nps_responses r where ${inRange} group by 2
    `.execute(k));
  } else {
    const key = request.grouping.dimension === 'account' ? sql`r.account_id` : sql`r.csm_id`;
    ({ rows } = await sql<(typeof rows)[number]>`
      select ${key}::text as k, ${period} as period, ${counts} from nps_responses r where ${inRange} group by 1, 2
    `.execute(k));
    const company = new Map<number, { p: number; n: number; d: number }>();
    for (const row of rows) {
      const sum = company.get(row.period.getTime()) ?? { p: 0, n: 0, d: 0 };
      company.set(row.period.getTime(), { p: sum.p + row.p, n: sum.n + row.n, d: sum.d + row.d });
    }
    rows = [...rows, ...[...company].map(([at, c]) => ({ k: 'company', period: new Date(at), ...c }))];
  }
  return new Map(rows.map((row) => [`${row.k}@${row.period.toISOString()}`, `${row.p}/${row.n}/${row.d}`]));
}

/** The report's cells, displayed and the period before the first (through its change), keyed as the hand query keys them. */
function reportCells(report: NpsReport, before: Cells): Cells {
  const cells: Cells = new Map();
  for (const row of [...report.rows, { ...report.total, key: 'company' }]) {
    row.cells.forEach((cell, i) => {
      if (cell.n > 0) cells.set(`${row.key}@${report.periods[i]!.start.toISOString()}`, `${cell.promoters}/${cell.passives}/${cell.detractors}`);
    });
  }
  // The hand query's cells before the first period are the report's comparison base: check them through the changes.
  const first = report.periods[0]!;
  for (const [key, value] of before) {
    if (new Date(key.split('@')[1]!).getTime() >= first.start.getTime()) continue;
    const row = key.split('@')[0] === 'company' ? report.total : report.rows.find((r) => r.key === key.split('@')[0]);
    const [p, n, d] = value.split('/').map(Number) as [number, number, number];
    const expected = (100 * (p - d)) / (p + n + d);
    if (row?.cells[0]?.changeFromPrevious?.previousNps !== expected) cells.set(key, `change base ${row?.cells[0]?.changeFromPrevious?.previousNps}`);
    else cells.set(key, value);
  }
  return cells;
}

async function measure(backendName: 'pglite' | 'postgres', run: BenchRun) {
  const { db, backend } = await openBenchDatabase('reports', run, backendName);
  const k = db.kysely;
  const seeding = performance.now();
  await seed(k);
  process.stderr.write(`${backend}: seeded ${RESPONSES} responses in ${((performance.now() - seeding) / 1000).toFixed(0)} s\n`);
  const base = { counting: 'every_response', minimumResponses: 5, compare: { previous: true, yearBefore: false }, distribution: false, viewer: { kind: 'everything' } } as const;
  const thisMonth = DateTime.fromJSDate(now, { zone: timeZone }).startOf('month');
  const requests: { name: string; request: NpsReportRequest }[] = [
    { name: 'csm by month, 12 months', request: { ...base, grouping: { dimension: 'csm' }, unit: 'month' } },
    {
      name: 'team by quarter',
      request: { ...base, grouping: { dimension: 'team' }, unit: 'quarter', from: thisMonth.minus({ months: 11 }).toISODate()!, to: DateTime.fromJSDate(now, { zone: timeZone }).toISODate()! },
    },
    {
      // What GET /accounts/nps/trend asks (reports/monthly-trend.ts): every account, no comparison.
      name: 'account by month, 6 months',
      request: { ...base, compare: { previous: false, yearBefore: false }, grouping: { dimension: 'account' }, unit: 'month', from: thisMonth.minus({ months: 5 }).toISODate()! },
    },
  ];
  const results = [];
  for (const { name, request } of requests) {
    const reportTimes: number[] = [];
    const handTimes: number[] = [];
    let report: NpsReport | undefined;
    let hand: Cells = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      report = await npsReport(k, request, { now, timeZone });
      reportTimes.push(performance.now() - start);
      // The same counting range as the report: its periods and, when it compares, the one before the first.
      const previousStart = request.compare.previous ? DateTime.fromJSDate(report.from, { zone: timeZone }).minus({ [`${request.unit}s`]: 1 }).toJSDate() : report.from;
      start = performance.now();
      hand = await handGroupBy(k, request, report, previousStart);
      handTimes.push(performance.now() - start);
    }
    const fromReport = reportCells(report!, hand);
    const disagreements = [...new Set([...fromReport.keys(), ...hand.keys()])].filter((key) => fromReport.get(key) !== hand.get(key));
    if (disagreements.length > 0) process.stderr.write(`${backend} ${name}: ${disagreements.length} cells differ, e.g. ${disagreements.slice(0, 3).map((key) => `${key}: report ${fromReport.get(key)}, hand ${hand.get(key)}`).join('; ')}\n`);
    const reportMs = Math.min(...reportTimes);
    const handMs = Math.min(...handTimes);
    process.stderr.write(`${backend} ${name}: report ${reportTimes.map((t) => t.toFixed(0)).join(', ')} ms; hand GROUP BY ${handTimes.map((t) => t.toFixed(0)).join(', ')} ms\n`);
    results.push({
      backend,
      report: name,
      rows: report!.rows.length,
      periods: report!.periods.length,
      cells: hand.size,
      report_ms: Math.round(reportMs),
      hand_group_by_ms: Math.round(handMs),
      ratio: Number((reportMs / handMs).toFixed(3)),
      agree: disagreements.length === 0,
    });
  }
  return results;
}

async function main(run: BenchRun): Promise<void> {
  const backends = process.env.DATABASE_URL ? (['pglite', 'postgres'] as const) : (['pglite'] as const);
  const reports = [];
  for (const backend of backends) reports.push(...(await measure(backend, run)));
  const ratio = Math.max(...reports.map((r) => r.ratio));
  const agree = reports.every((r) => r.agree);
  if (!agree) process.stderr.write('bench:reports: the report and the hand-written GROUP BY disagree\n');
  if (ratio > RATIO_LIMIT) process.stderr.write(`bench:reports: ratio ${ratio} is over the limit of ${RATIO_LIMIT}\n`);
  if (!agree || ratio > RATIO_LIMIT) process.exitCode = 1;
  printResult({ responses: RESPONSES, csms: 200, accounts: ACCOUNTS, reports, ratio, limit: RATIO_LIMIT, agree });
}

await runBench('bench:reports', 30 * 60_000, main);
