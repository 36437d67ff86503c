import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import type { CountingMode, NpsCounts } from '../nps/counts.ts';
import type { PeriodUnit } from '../nps/periods.ts';
import { attributePathKeys, type ReportGrouping } from './dimensions.ts';
import { addCounts, type CellCounts, EMPTY_COUNTS } from './report-cell.ts';

/*
 * The counts behind every cell of a report, from one grouped statement: responses are never
 * loaded into Node. Periods are PostgreSQL's date_trunc(unit, responded_at, zone), the same
 * edges nps/periods.ts computes. A report's rows can be limited to the responses credited to
 * some CSMs (a CSM's or a manager's view); its totals are always the company's.
 */

export interface ReportCountsSpec {
  grouping: ReportGrouping;
  unit: PeriodUnit;
  timeZone: string;
  counting: CountingMode;
  /** Responses given in [from, to) are counted per period. */
  from: Date;
  to: Date;
  /** Latest-per-user totals over a row need their own count over this range (the periods shown). */
  totalsFrom: Date;
  /** Only responses credited to these CSMs make the rows; undefined: every response. */
  creditedTo?: readonly number[];
  /** Only these accounts' responses are counted, rows and totals alike; undefined: every account's. */
  accounts?: readonly number[];
  /** team → its members (the manager included), for the team dimension. */
  teams?: ReadonlyMap<number, readonly number[]>;
  distribution: boolean;
}

export type CountsLevel = 'cell' | 'period_total' | 'row_total' | 'grand_total';

export interface CountsRow extends NpsCounts {
  level: CountsLevel;
  /** The row's key (a CSM id, a segment, …) as text; null for totals and for rows without one. */
  group_key: string | null;
  /** Null for row and grand totals. */
  period_start: Date | null;
  distribution: number[] | null;
}

/**
 * Every response counts: rows and totals are summed from cells and period totals. Latest per user:
 * a row's total is each user's latest response over the whole range, which is not a sum of
 * periods, so it is counted too.
 */
export async function reportCounts(db: Kysely<Database>, spec: ReportCountsSpec): Promise<CountsRow[]> {
  const { key, joins } = groupKeyOf(spec);
  const rowsOnly = spec.creditedTo === undefined ? sql`true` : scopeCondition(spec);
  // The row key is computed once per response, so grouping refers to a column, not an expression.
  const keyed = (from: string) => sql`(select ${key} as group_key, c.period_start, c.category, c.score from ${sql.table(from)} c ${joins} where ${rowsOnly})`;
  const columns = counts(spec.distribution);
  const ctes = [sql`per_period as ${counted(spec, spec.from, true)}`];
  const parts: RawBuilder<unknown>[] = [];
  parts.push(sql`select 'cell' as level, c.group_key, c.period_start, ${columns} from ${keyed('per_period')} c group by c.group_key, c.period_start`);
  // Each response in exactly one row: the period totals are the sums of the cells. A plain GROUP BY
  // then does all the work, where grouping sets would keep PostgreSQL from a parallel plan.
  const oneRowEach = spec.grouping.dimension !== 'team' && spec.creditedTo === undefined;
  if (!oneRowEach) parts.push(sql`select 'period_total', null, c.period_start, ${columns} from per_period c group by c.period_start`);
  if (spec.counting === 'latest_per_user') {
    ctes.push(sql`per_range as ${counted(spec, spec.totalsFrom, false)}`);
    parts.push(sql`select 'row_total', c.group_key, null::timestamptz, ${columns} from ${keyed('per_range')} c group by c.group_key`);
    parts.push(sql`select 'grand_total', null, null::timestamptz, ${columns} from per_range c`);
  }
  const query = sql<CountsRow>`
    with ${sql.join(ctes)}
    ${sql.join(parts, sql` union all `)}
  `;
  // Hash aggregation over a few thousand groups: room enough that it does not spill to disk.
  const { rows } = await inTransaction(db, async (trx) => {
    await sql`set local work_mem = '64MB'`.execute(trx);
    return query.execute(trx);
  });
  return oneRowEach ? [...rows, ...periodTotalsOf(rows)] : rows;
}

/** Each period's total, where every response makes one row: the sum of its cells. */
function periodTotalsOf(rows: CountsRow[]): CountsRow[] {
  const totals = new Map<number, { start: Date; counts: CellCounts }>();
  for (const row of rows) {
    if (row.level !== 'cell') continue;
    const at = row.period_start!.getTime();
    totals.set(at, { start: row.period_start!, counts: addCounts(totals.get(at)?.counts ?? EMPTY_COUNTS, countsOf(row)) });
  }
  return [...totals.values()].map(({ start, counts: { distribution, ...counts } }) => ({
    level: 'period_total',
    group_key: null,
    period_start: start,
    ...counts,
    distribution: distribution ?? null,
  }));
}

/** A row's counts, with its histogram when there is one. */
export function countsOf(row: CountsRow): CellCounts {
  return {
    promoters: row.promoters,
    passives: row.passives,
    detractors: row.detractors,
    ...(row.distribution ? { distribution: row.distribution } : {}),
  };
}

/** The responses counted, each with the start of its period; latest per user keeps one per user and period (or range). */
function counted(spec: ReportCountsSpec, from: Date, perPeriod: boolean): RawBuilder<unknown> {
  const responses = sql`
    select r.id, r.account_id, r.user_id, r.csm_id, r.source, r.category, r.score, r.responded_at,
      date_trunc(${spec.unit}, r.responded_at, ${spec.timeZone}) as period_start
    from nps_responses r
    where not r.excluded and r.responded_at >= ${from}::timestamptz and r.responded_at < ${spec.to}::timestamptz
      ${spec.accounts === undefined ? sql`` : sql`and r.account_id = any(${[...spec.accounts]}::int[])`}`;
  if (spec.counting === 'every_response') return sql`(${responses})`;
  // The latest response wins; on equal times the later id, as everywhere else.
  const partition = perPeriod ? sql`l.user_id, l.period_start` : sql`l.user_id`;
  return sql`(
    select distinct on (${partition}) l.* from (${responses}) l
    order by ${partition}, l.responded_at desc, l.id desc
  )`;
}

function counts(distribution: boolean): RawBuilder<unknown> {
  const histogram = distribution
    ? sql`array[${sql.join(Array.from({ length: 11 }, (_, score) => sql`count(*) filter (where c.score = ${sql.lit(score)})::int`))}]`
    : sql`null::int[]`;
  return sql`
    (count(*) filter (where c.category = 'promoter'))::int as promoters,
    (count(*) filter (where c.category = 'passive'))::int as passives,
    (count(*) filter (where c.category = 'detractor'))::int as detractors,
    ${histogram} as distribution`;
}

/** The row key of a counted response `c`, and the joins it needs. */
function groupKeyOf(spec: ReportCountsSpec): { key: RawBuilder<string | null>; joins: RawBuilder<unknown> } {
  const none = sql``;
  const account = sql`join accounts a on a.id = c.account_id`;
  const user = sql`join users u on u.id = c.user_id`;
  const { grouping } = spec;
  switch (grouping.dimension) {
    case 'company':
      return { key: sql`'company'::text`, joins: none };
    case 'csm':
      return { key: sql`c.csm_id::text`, joins: none };
    case 'team': {
      const pairs = [...(spec.teams ?? new Map())].flatMap(([team, members]) => members.map((member: number) => [team, member] as const));
      return {
        key: sql`tm.team_id::text`,
        joins: sql`join unnest(${pairs.map(([team]) => team)}::int[], ${pairs.map(([, member]) => member)}::int[]) as tm(team_id, csm_id) on tm.csm_id = c.csm_id`,
      };
    }
    case 'account':
      return { key: sql`c.account_id::text`, joins: none };
    case 'segment':
      return { key: sql`a.segment`, joins: account };
    case 'role':
      return { key: sql`u.role`, joins: user };
    case 'persona':
      return { key: sql`u.persona`, joins: user };
    case 'source':
      return { key: sql`c.source`, joins: none };
    case 'account_attribute':
      return { key: sql`a.attributes #>> ${attributePathKeys(grouping.attribute)}::text[]`, joins: account };
    case 'user_attribute':
      return { key: sql`u.attributes #>> ${attributePathKeys(grouping.attribute)}::text[]`, joins: user };
  }
}

/** The rows a limited view may see: teams inside it, or responses credited to its CSMs. */
function scopeCondition(spec: ReportCountsSpec): RawBuilder<boolean> {
  const ids = [...(spec.creditedTo ?? [])];
  return spec.grouping.dimension === 'team' ? sql<boolean>`tm.team_id = any(${ids}::int[])` : sql<boolean>`c.csm_id = any(${ids}::int[])`;
}
