import { useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import { apiRequest, query } from '../api.ts';
import type { AccountNps } from '../account-nps.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { NpsBar } from '../components/nps-bar.tsx';
import { NpsFigure } from '../components/nps-figure.tsx';
import { ScoreBadge } from '../components/score-badge.tsx';
import { Tabs } from '../components/tabs.tsx';
import { TasksOf } from '../components/tasks-of.tsx';
import { TrendChart } from '../components/trend-chart.tsx';
import { formatDate, formatDateTime, formatMargin } from '../format.ts';
import { npsText } from '../nps-format.ts';
import { useAllPages } from '../load-all-pages.ts';
import { useApi } from '../use-api.ts';
import '../csm.css';
import { ScrollTable } from '../components/scroll-table.tsx';

const TABS = [
  { id: 'nps', label: 'NPS' },
  { id: 'trend', label: 'Trend' },
  { id: 'responses', label: 'Responses' },
  { id: 'health', label: 'Health' },
  { id: 'users', label: 'Users' },
  { id: 'tasks', label: 'Tasks' },
];

function NpsTab({ nps }: { nps: AccountNps }) {
  const [chosen, setChosen] = useState(nps.windows[0]?.window.key ?? '');
  const current = nps.windows.find((row) => row.window.key === chosen) ?? nps.windows[0];
  return (
    <>
      <ScrollTable label={`NPS of ${nps.account.name} per window`}>
        <table>
          <caption class="visually-hidden">NPS of {nps.account.name} per window</caption>
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col" class="number">NPS</th>
              <th scope="col" class="number">± margin</th>
              <th scope="col" class="number">n</th>
              <th scope="col">Promoters / passives / detractors</th>
            </tr>
          </thead>
          <tbody>
            {nps.windows.map((row) => (
              <tr key={row.window.key} aria-current={row.window.key === current?.window.key ? 'true' : undefined}>
                <th scope="row">
                  <button type="button" class="link-button" aria-pressed={row.window.key === current?.window.key} onClick={() => setChosen(row.window.key)}>
                    {row.window.label}
                  </button>
                </th>
                <td class="number">{npsText(row.nps)}</td>
                <td class="number">{formatMargin(row.marginOfError) || '—'}</td>
                <td class="number">{row.total}</td>
                <td style={{ minWidth: '10rem' }}>
                  <NpsBar promoters={row.promoters} passives={row.passives} detractors={row.detractors} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      {current && (
        <section class="card" aria-labelledby="window-detail-heading" style={{ marginTop: '1rem' }}>
          <h2 id="window-detail-heading">{current.window.label}</h2>
          <p>
            <NpsFigure nps={current.nps} margin={current.marginOfError} n={current.total} big />
          </p>
          <dl class="facts">
            <dt>From</dt>
            <dd>
              {formatDateTime(current.window.start)} to {formatDateTime(current.window.end)}
            </dd>
            <dt>Sources</dt>
            <dd>{current.sources.length > 0 ? current.sources.join(', ') : '—'}</dd>
            <dt>Last answer</dt>
            <dd>{formatDateTime(current.lastResponseAt)}</dd>
            <dt>Last synced</dt>
            <dd>{current.lastSyncedAt ? formatDateTime(current.lastSyncedAt) : '— (no responses in this window)'}</dd>
            <dt>Computed</dt>
            <dd>{formatDateTime(current.computedAt)}</dd>
          </dl>
        </section>
      )}
    </>
  );
}

interface AccountTrend {
  months: Array<{ key: string; label: string; partial: boolean }>;
  minimumResponses: number;
  cells: Array<{ n: number; promoters: number; passives: number; detractors: number; nps: number | null; marginOfError: number | null; flag: string | null }>;
}

function TrendTab({ accountId, name }: { accountId: string; name: string }) {
  const { data, error } = useApi<AccountTrend>(`/accounts/${accountId}/nps/trend${query({ months: 12 })}`);
  if (error) return <ErrorNotice error={error} title="The trend could not be loaded" />;
  if (!data) return <p class="muted" role="status">Loading the trend…</p>;
  const points = data.months.map((month, index) => ({ label: month.label, nps: data.cells[index]?.nps ?? null, marginOfError: data.cells[index]?.marginOfError ?? null, n: data.cells[index]?.n ?? 0 }));
  return (
    <>
      <TrendChart points={points} title={`${name}: NPS by month over the last ${points.length} months, with its 95% margin`} />
      <ScrollTable label={`${name}: NPS by month`}>
        <table>
          <caption class="visually-hidden">{name}: NPS by month</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" class="number">NPS</th>
              <th scope="col" class="number">± margin</th>
              <th scope="col" class="number">n</th>
            </tr>
          </thead>
          <tbody>
            {data.months.map((month, index) => {
              const cell = data.cells[index];
              return (
                <tr key={month.key}>
                  <th scope="row">
                    {month.label}
                    {month.partial ? ' (so far)' : ''}
                  </th>
                  <td class="number">{npsText(cell?.nps ?? null)}</td>
                  <td class="number">{formatMargin(cell?.marginOfError ?? null) || '—'}</td>
                  <td class="number">
                    {cell?.n ?? 0}
                    {cell?.flag === 'not_enough_responses' && <span title={`fewer than ${data.minimumResponses} responses`}> *</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollTable>
      <p class="muted">— no responses that month; * fewer than {data.minimumResponses} responses, so the figure is shaky.</p>
    </>
  );
}

interface AccountResponses {
  responses: Array<{ id: number; score: number; comment: string | null; respondedAt: string; source: string; excluded: boolean; user: { id: number; email: string; name: string | null } }>;
  nextCursor: string | null;
}

function ResponsesTab({ accountId }: { accountId: string }) {
  const first = useApi<AccountResponses>(`/accounts/${accountId}/responses${query({ limit: 100 })}`);
  const [more, setMore] = useState<{ responses: AccountResponses['responses']; nextCursor: string | null; error?: Error } | undefined>();
  if (first.error) return <ErrorNotice error={first.error} title="The responses could not be loaded" />;
  if (!first.data) return <p class="muted" role="status">Loading the responses…</p>;
  const responses = [...first.data.responses, ...(more?.responses ?? [])];
  const nextCursor = more ? more.nextCursor : first.data.nextCursor;

  async function loadMore() {
    try {
      const page = await apiRequest<AccountResponses>(`/accounts/${accountId}/responses${query({ limit: 100, cursor: nextCursor })}`);
      setMore({ responses: [...(more?.responses ?? []), ...page.responses], nextCursor: page.nextCursor });
    } catch (error) {
      setMore({ responses: more?.responses ?? [], nextCursor, error: error as Error });
    }
  }

  if (responses.length === 0) return <p class="muted">No responses yet.</p>;
  return (
    <>
      <ol class="timeline" aria-label="Responses, newest first">
        {responses.map((response) => (
          <li key={response.id}>
            <time dateTime={response.respondedAt}>{formatDateTime(response.respondedAt)}</time>
            <span>
              <ScoreBadge score={response.score} /> <a href={`/app/users/${response.user.id}`}>{response.user.name ?? response.user.email}</a> via {response.source}
              {response.excluded && <span class="muted"> (left out of NPS at the survey tool’s request)</span>}
            </span>
            {response.comment && <blockquote class="comment-quote">{response.comment}</blockquote>}
          </li>
        ))}
      </ol>
      {more?.error && <ErrorNotice error={more.error} title="More responses could not be loaded" />}
      {nextCursor && (
        <button type="button" class="secondary" onClick={loadMore}>
          Load older responses
        </button>
      )}
    </>
  );
}

interface AccountHealth {
  dimensions: Array<{ dimension: string; colour: 'green' | 'amber' | 'red' | null; reasons: string[]; rule: { name: string; version: number } | null; computedAt: string | null }>;
  changes: Array<{ dimension: string; from: string | null; to: string; reasons: string[]; rule: { name: string; version: number }; changedAt: string }>;
}

function ColourBadge({ colour }: { colour: string | null }) {
  return <span class={`badge ${colour ? `colour-${colour}` : 'category-none'}`}>{colour ?? 'not coloured'}</span>;
}

function HealthTab({ accountId }: { accountId: string }) {
  const { data, error } = useApi<AccountHealth>(`/accounts/${accountId}/health${query({ changes: 50 })}`);
  if (error) return <ErrorNotice error={error} title="The health could not be loaded" />;
  if (!data) return <p class="muted" role="status">Loading the health…</p>;
  return (
    <>
      <div class="detail-grid">
        {data.dimensions.map((dimension) => (
          <section key={dimension.dimension} class="card" aria-labelledby={`health-${dimension.dimension}`}>
            <h2 id={`health-${dimension.dimension}`}>
              {dimension.dimension[0]!.toUpperCase() + dimension.dimension.slice(1)} <ColourBadge colour={dimension.colour} />
            </h2>
            {dimension.colour === null ? (
              <p class="muted">No health rule has coloured this account in this dimension.</p>
            ) : (
              <>
                <ul>
                  {dimension.reasons.map((reason) => (
                    <li key={reason}>{reason}</li>
                  ))}
                </ul>
                <p class="muted">
                  By rule {dimension.rule?.name} v{dimension.rule?.version}, {formatDateTime(dimension.computedAt)}
                </p>
              </>
            )}
          </section>
        ))}
      </div>
      <h2>Colour history</h2>
      {data.changes.length === 0 ? (
        <p class="muted">No colour changes yet.</p>
      ) : (
        <ol class="timeline" aria-label="Colour changes, newest first">
          {data.changes.map((change) => (
            <li key={`${change.dimension}-${change.changedAt}`}>
              <time dateTime={change.changedAt}>{formatDateTime(change.changedAt)}</time>
              <span>
                {change.dimension}: {change.from ? <ColourBadge colour={change.from} /> : 'first colour'} → <ColourBadge colour={change.to} /> (rule {change.rule.name} v{change.rule.version})
              </span>
              {change.reasons.length > 0 && <span class="muted"> {change.reasons.join('; ')}</span>}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

interface AccountUsers {
  users: Array<{ id: number; email: string; name: string | null; role: string | null; latestResponse: { score: number; respondedAt: string } | null }>;
  page: { total: number };
}

function UsersTab({ accountId }: { accountId: string }) {
  const { items, error } = useAllPages<AccountUsers, AccountUsers['users'][number]>(
    accountId,
    500,
    (offset, limit) => `/accounts/${accountId}/users${query({ limit, offset })}`,
    (page) => page.users,
    (page) => page.page.total,
  );
  if (error) return <ErrorNotice error={error} title="The users could not be loaded" />;
  if (!items) return <p class="muted" role="status">Loading the users…</p>;
  if (items.length === 0) return <p class="muted">No users synced for this account.</p>;
  return (
    <ScrollTable label="Users of the account and their latest score">
      <table>
        <caption class="visually-hidden">Users of the account and their latest score</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Latest score</th>
            <th scope="col">Answered</th>
          </tr>
        </thead>
        <tbody>
          {items.map((user) => (
            <tr key={user.id}>
              <td>
                <a href={`/app/users/${user.id}`}>{user.name ?? user.email}</a>
                {user.name && <div class="muted">{user.email}</div>}
              </td>
              <td>{user.role ?? '—'}</td>
              <td>{user.latestResponse ? <ScoreBadge score={user.latestResponse.score} /> : <span class="muted">never answered</span>}</td>
              <td>{user.latestResponse ? formatDate(user.latestResponse.respondedAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function TasksTab({ accountId }: { accountId: string }) {
  return <TasksOf filter={{ accountId, status: 'open' }} label="Open tasks of the account" empty="No open tasks on this account." />;
}

/** One account: its NPS per window, trend, responses, health, users and open tasks. */
export function AccountPage() {
  const id = useRoute().params.id ?? '';
  const { data, error } = useApi<AccountNps>(`/accounts/${encodeURIComponent(id)}/nps`);
  const [tab, setTab] = useState('nps');

  if (error) {
    return (
      <>
        <h1>Account {id}</h1>
        <ErrorNotice error={error} />
        <p>
          <a href="/app/accounts">Back to Accounts</a>
        </p>
      </>
    );
  }
  if (!data) return <p class="muted" role="status">Loading account {id}…</p>;
  const { account } = data;
  return (
    <>
      <p>
        <a href="/app/accounts">← Accounts</a>
      </p>
      <h1>{account.name}</h1>
      <p class="muted">
        {account.csm ? `CSM ${account.csm.name} (${account.csm.email})` : 'No CSM owns it'} · {account.segment ?? 'no segment'} · external id {account.externalId}
      </p>
      <Tabs label={`${account.name}`} tabs={TABS} selected={tab} onSelect={setTab}>
        {tab === 'nps' && <NpsTab nps={data} />}
        {tab === 'trend' && <TrendTab accountId={id} name={account.name} />}
        {tab === 'responses' && <ResponsesTab accountId={id} />}
        {tab === 'health' && <HealthTab accountId={id} />}
        {tab === 'users' && <UsersTab accountId={id} />}
        {tab === 'tasks' && <TasksTab accountId={id} />}
      </Tabs>
    </>
  );
}
