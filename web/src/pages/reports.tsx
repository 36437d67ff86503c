import { useLocation } from 'preact-iso';
import { query } from '../api.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { TrendChart } from '../components/trend-chart.tsx';
import { NPS_BANDS, npsBandOf, npsText, pointsText, roundNps } from '../nps-format.ts';
import { useApi } from '../use-api.ts';
import './reports.css';
import { ScrollTable } from '../components/scroll-table.tsx';

// GET /reports/nps and GET /goals/status, as the API answers them (api/schemas/reports.ts, goals.ts).
interface Change {
  against: string;
  previousNps: number | null;
  previousN: number;
  difference: number | null;
  pValue: number | null;
  significant: boolean;
}
interface Cell {
  n: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
  marginOfError: number | null;
  flag: 'no_responses' | 'not_enough_responses' | null;
  changeFromPrevious?: Change | null;
}
interface Period {
  key: string;
  label: string;
  start: string;
  end: string;
  partial: boolean;
}
interface Row {
  key: string | null;
  label: string;
  cells: Cell[];
  total: Cell;
}
interface NpsReport {
  by: string;
  period: string;
  timeZone: string;
  counting: string;
  minimumResponses: number;
  from: string;
  to: string;
  periods: Period[];
  rows: Row[];
  total: Row;
}
interface GoalStatus {
  goals: Array<{
    goal: { id: number; name: string };
    scopeLabel: string;
    problem: string | null;
    periods: Array<{ period: Period; status: string; n: number; nps: number | null; marginOfError: number | null; target: number | null; change?: Change | null }>;
  }>;
}

const DIMENSIONS = [
  { value: 'csm', label: 'CSM', caption: 'CSM' },
  { value: 'team', label: 'Team', caption: 'team' },
  { value: 'segment', label: 'Segment', caption: 'segment' },
  { value: 'account', label: 'Account', caption: 'account' },
  { value: 'source', label: 'Survey source', caption: 'survey source' },
  { value: 'role', label: 'Role', caption: 'role' },
  { value: 'persona', label: 'Persona', caption: 'persona' },
] as const;
const PERIODS = ['week', 'month', 'quarter', 'year'] as const;
/** The chart's choice for the company line; a row is chosen by its key. */
const COMPANY = 'company';
const NO_KEY = '(none)';

const GOAL_STATUS_TEXT: Record<string, { text: string; className: string }> = {
  met: { text: 'met', className: 'colour-green' },
  on_track: { text: 'on track', className: 'colour-green' },
  missed: { text: 'missed', className: 'colour-red' },
  off_track: { text: 'off track', className: 'colour-red' },
  not_enough_responses: { text: 'not enough responses', className: 'category-none' },
};

const rowKeyOf = (row: Row) => row.key ?? NO_KEY;

/** NPS by CSM (team, segment, …) by month (quarter, …): the leaders' table, goals, significant changes and a trend. */
export function ReportsPage() {
  const { query: params, path, route } = useLocation();
  const by = DIMENSIONS.some((dimension) => dimension.value === params.by) ? params.by! : 'csm';
  const period = (PERIODS as readonly string[]).includes(params.period ?? '') ? params.period! : 'month';
  const from = params.from ?? '';
  const to = params.to ?? '';
  const reportQuery = query({ by, period, from, to });
  const report = useApi<NpsReport>(`/reports/nps${reportQuery}`);
  const goals = useApi<GoalStatus>(`/goals/status${query({ from, to })}`);
  const chartRow = params.row ?? COMPANY;

  function change(values: Record<string, string>) {
    const next = { by, period, from, to, row: chartRow === COMPANY ? '' : chartRow, ...values };
    route(`${path}${query(next)}`, true);
  }

  const caption = `NPS by ${DIMENSIONS.find((dimension) => dimension.value === by)!.caption} by ${period}`;
  const data = report.data;
  const chosen = data ? (chartRow === COMPANY ? data.total : data.rows.find((row) => rowKeyOf(row) === chartRow)) : undefined;

  return (
    <>
      <h1>Reports</h1>
      <form class="toolbar" aria-label="Report options" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label for="report-by">Rows</label>
          <select id="report-by" value={by} onChange={(event) => change({ by: event.currentTarget.value, row: '' })}>
            {DIMENSIONS.map((dimension) => (
              <option key={dimension.value} value={dimension.value}>
                {dimension.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="report-period">Period</label>
          <select id="report-period" value={period} onChange={(event) => change({ period: event.currentTarget.value })}>
            {PERIODS.map((unit) => (
              <option key={unit} value={unit}>
                {unit[0]!.toUpperCase() + unit.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="report-from">From</label>
          <input id="report-from" type="date" value={from} onChange={(event) => change({ from: event.currentTarget.value })} />
        </div>
        <div>
          <label for="report-to">To</label>
          <input id="report-to" type="date" value={to} onChange={(event) => change({ to: event.currentTarget.value })} />
        </div>
        <a class="button-link" href={`/reports/nps.csv${reportQuery}`} download>
          Download CSV
        </a>
      </form>
      {!from && !to && <p class="muted">This month and the 11 before it, unless you choose a range.</p>}

      {report.error && <ErrorNotice error={report.error} title="The report could not be made" />}
      {report.loading && !data && <p role="status">Loading the report…</p>}
      {data && (
        <>
          <ReportTable report={data} caption={caption} />
          <ReportLegend minimum={data.minimumResponses} />
          <section aria-labelledby="trend-heading" class="card">
            <h2 id="trend-heading">Trend</h2>
            <div class="toolbar">
              <div>
                <label for="trend-row">Line</label>
                <select id="trend-row" value={chosen ? chartRow : COMPANY} onChange={(event) => change({ row: event.currentTarget.value === COMPANY ? '' : event.currentTarget.value })}>
                  <option value={COMPANY}>Company</option>
                  {data.rows.map((row) => (
                    <option key={rowKeyOf(row)} value={rowKeyOf(row)}>
                      {row.label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <TrendChart
              title={`${chosen?.label ?? 'Company'}: NPS by ${period} with its 95% margin`}
              points={data.periods.map((reportPeriod, index) => {
                const cell = (chosen ?? data.total).cells[index]!;
                return { label: reportPeriod.label, nps: cell.nps, marginOfError: cell.marginOfError, n: cell.n };
              })}
            />
          </section>
          <SignificantChanges report={data} />
        </>
      )}
      <section aria-labelledby="goals-heading">
        <h2 id="goals-heading">Goals</h2>
        {goals.error && <ErrorNotice error={goals.error} title="Goal status could not be read" />}
        {goals.data && <GoalList status={goals.data} />}
      </section>
    </>
  );
}

function ReportTable({ report, caption }: { report: NpsReport; caption: string }) {
  return (
    <ScrollTable label={caption} class="report-table-wrap">
      <table class="report-table">
        <caption>
          {caption}, {report.counting === 'latest_per_user' ? "each user's latest response" : 'every response'}, in {report.timeZone}
        </caption>
        <thead>
          <tr>
            <th scope="col">{report.by === 'csm' ? 'CSM' : report.by[0]!.toUpperCase() + report.by.slice(1)}</th>
            {report.periods.map((period) => (
              <th scope="col" class="number" key={period.key}>
                {period.label}
                {period.partial && <span class="muted"> (so far)</span>}
              </th>
            ))}
            <th scope="col" class="number">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {report.rows.length === 0 && (
            <tr>
              <td colSpan={report.periods.length + 2} class="muted">
                No rows for you in this range.
              </td>
            </tr>
          )}
          {report.rows.map((row) => (
            <ReportRow key={rowKeyOf(row)} row={row} rowKey={rowKeyOf(row)} periods={report.periods} minimum={report.minimumResponses} />
          ))}
        </tbody>
        <tfoot>
          <ReportRow row={report.total} rowKey={COMPANY} periods={report.periods} minimum={report.minimumResponses} />
        </tfoot>
      </table>
    </ScrollTable>
  );
}

function ReportRow({ row, rowKey, periods, minimum }: { row: Row; rowKey: string; periods: Period[]; minimum: number }) {
  return (
    <tr data-row={rowKey}>
      <th scope="row">{row.label}</th>
      {row.cells.map((cell, index) => (
        <ReportCell key={periods[index]!.key} cell={cell} rowKey={rowKey} periodKey={periods[index]!.key} minimum={minimum} />
      ))}
      <ReportCell cell={row.total} rowKey={rowKey} periodKey="total" minimum={minimum} />
    </tr>
  );
}

/** One cell: its figures as data attributes (exactly the API's, NPS rounded) and as text. */
function ReportCell({ cell, rowKey, periodKey, minimum }: { cell: Cell; rowKey: string; periodKey: string; minimum: number }) {
  const change = cell.changeFromPrevious;
  const significant = change?.significant && change.difference !== null ? change : null;
  return (
    <td
      class={`number report-cell category-${npsBandOf(cell.nps)}`}
      data-row={rowKey}
      data-period={periodKey}
      data-nps={cell.nps === null ? '' : String(roundNps(cell.nps))}
      data-n={String(cell.n)}
      data-margin={cell.marginOfError === null ? '' : String(roundNps(cell.marginOfError))}
      data-flag={cell.flag ?? ''}
    >
      {cell.nps === null ? (
        <>
          <span aria-hidden="true">—</span>
          <span class="visually-hidden">no responses</span>
        </>
      ) : (
        <>
          <span class="cell-nps">
            {significant && (
              <span class="change-mark" aria-hidden="true" title={`significant change: ${pointsText(significant.difference!)} points on the previous period`}>
                {significant.difference! > 0 ? '▲' : '▼'}
              </span>
            )}
            <span class="visually-hidden">NPS </span>
            {npsText(cell.nps)}
            {cell.flag === 'not_enough_responses' && (
              <>
                <span class="flag-mark" aria-hidden="true" title={`fewer than ${minimum} responses`}>
                  *
                </span>
                <span class="visually-hidden">, flagged: fewer than {minimum} responses</span>
              </>
            )}
          </span>
          <span class="cell-detail">
            n {cell.n}
            {cell.marginOfError !== null && <> ±{roundNps(cell.marginOfError)}</>}
          </span>
          {significant && <span class="visually-hidden">, significant change of {pointsText(significant.difference!)} points on the previous period</span>}
        </>
      )}
    </td>
  );
}

function ReportLegend({ minimum }: { minimum: number }) {
  return (
    <div class="report-legend" aria-label="Legend" role="group">
      {NPS_BANDS.map(({ band, label }) => (
        <span key={band} class={`badge category-${band}`}>
          {label}
        </span>
      ))}
      <span>
        <span aria-hidden="true">*</span> fewer than {minimum} responses (flagged; the figure is still given)
      </span>
      <span>▲▼ significant change on the previous period (95%)</span>
      <span>n responses, ± the 95% margin of error</span>
    </div>
  );
}

function SignificantChanges({ report }: { report: NpsReport }) {
  const changes = [...report.rows, report.total].flatMap((row) =>
    row.cells.flatMap((cell, index) => {
      const change = cell.changeFromPrevious;
      if (!change?.significant || change.difference === null || cell.nps === null) return [];
      return [{ row, period: report.periods[index]!, cell, change }];
    }),
  );
  return (
    <section aria-labelledby="changes-heading">
      <h2 id="changes-heading">Significant changes</h2>
      {changes.length === 0 ? (
        <p class="muted">No change on the previous period is significant at 95% in this range.</p>
      ) : (
        <ul class="change-list">
          {changes.map(({ row, period, cell, change }) => (
            <li key={`${rowKeyOf(row)}-${period.key}`}>
              <strong>{row.label}</strong>, {period.label}: {npsText(cell.nps)} (n {cell.n}),{' '}
              <span class={change.difference! > 0 ? 'colour-green badge' : 'colour-red badge'}>{pointsText(change.difference!)} points</span> on{' '}
              {npsText(change.previousNps)} (n {change.previousN}){change.pValue !== null && <span class="muted">, p = {change.pValue < 0.001 ? '< 0.001' : change.pValue.toFixed(3)}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function GoalList({ status }: { status: GoalStatus }) {
  if (status.goals.length === 0) return <p class="muted">No goals are set for what you can see.</p>;
  return (
    <ul class="goal-list">
      {status.goals.map(({ goal, scopeLabel, problem, periods }) => (
        <li key={goal.id} class="card">
          <h3>{goal.name}</h3>
          <p class="muted">{scopeLabel}</p>
          {problem && <p class="notice notice-warning">{problem}</p>}
          <ul class="goal-periods">
            {periods.map((entry) => {
              const status = GOAL_STATUS_TEXT[entry.status] ?? { text: entry.status.replaceAll('_', ' '), className: 'category-none' };
              return (
                <li key={entry.period.key}>
                  <span>{entry.period.label}</span> <span class={`badge ${status.className}`}>{status.text}</span>{' '}
                  <span class="muted">
                    {entry.nps === null ? 'no responses' : `${npsText(entry.nps)} (n ${entry.n})`}
                    {entry.target !== null && `, target ${npsText(entry.target)}`}
                    {entry.change?.significant && ', significant'}
                  </span>
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ul>
  );
}
