import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { query } from '../api.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { useApi } from '../use-api.ts';
import type { JourneySummary } from './journey.tsx';
import './journeys.css';
import { ScrollTable } from '../components/scroll-table.tsx';

// GET /journeys/overview: each journey's enrollments by state, and where the Temporal UI is.
interface JourneysOverview {
  temporalUiUrl: string | null;
  journeys: Array<{ name: string; enabled?: boolean; active: number; completed: number; escalated: number; failed?: number }>;
}
interface Enrollment {
  id: number;
  journeyName: string;
  journeyVersion: number;
  status: string;
  outcome: string | null;
  enrolledAt: string;
  endedAt: string | null;
  workflowId: string;
  user: { id: number; email: string; name: string | null };
  account: { id: number; name: string };
}

const ENROLLMENTS_PAGE = 50;
const STATUS_CLASS: Record<string, string> = { active: 'colour-amber', completed: 'colour-green', failed: 'colour-red' };

/** The journeys: how many run, ended and were escalated; their definitions; every enrollment with its workflow. */
export function JourneysPage() {
  const { query: params, path, route } = useLocation();
  const overview = useApi<JourneysOverview>('/journeys/overview');
  const journeys = useApi<{ journeys: JourneySummary[] }>('/journeys');
  const journeyFilter = params.journey ?? '';
  const statusFilter = params.status ?? '';
  const offset = Number(params.offset ?? 0) || 0;
  const enrollments = useApi<{ enrollments: Enrollment[]; total: number; limit: number; offset: number }>(
    `/enrollments${query({ journey: journeyFilter, status: statusFilter, limit: ENROLLMENTS_PAGE, offset: offset || undefined })}`,
  );
  const [newName, setNewName] = useState('');
  const temporalUiUrl = overview.data?.temporalUiUrl ?? null;

  function filter(values: Record<string, string>) {
    route(`${path}${query({ journey: journeyFilter, status: statusFilter, ...values })}`, true);
  }

  return (
    <>
      <h1>Journeys</h1>
      <section aria-labelledby="overview-heading">
        <h2 id="overview-heading">Overview</h2>
        {overview.error && <ErrorNotice error={overview.error} title="The overview could not be read" />}
        {overview.data && (
          <ScrollTable label="Enrollments per journey">
            <table>
              <caption class="visually-hidden">Enrollments per journey</caption>
              <thead>
                <tr>
                  <th scope="col">Journey</th>
                  <th scope="col" class="number">
                    Active
                  </th>
                  <th scope="col" class="number">
                    Completed
                  </th>
                  <th scope="col" class="number">
                    Escalated
                  </th>
                </tr>
              </thead>
              <tbody>
                {overview.data.journeys.map((journey) => (
                  <tr key={journey.name} data-journey={journey.name}>
                    <th scope="row">
                      <a href={`${path}${query({ journey: journey.name })}`}>{journey.name}</a>
                    </th>
                    <td class="number" data-count="active">
                      {journey.active}
                    </td>
                    <td class="number" data-count="completed">
                      {journey.completed}
                    </td>
                    <td class="number" data-count="escalated">
                      {journey.escalated}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        )}
        {temporalUiUrl && (
          <p>
            <a href={temporalUiUrl} target="_blank" rel="noopener">
              Open the Temporal UI<span class="visually-hidden"> (opens in a new tab)</span>
            </a>
          </p>
        )}
      </section>

      <section aria-labelledby="definitions-heading">
        <div class="section-heading">
          <h2 id="definitions-heading">Definitions</h2>
          <form
            class="toolbar new-journey"
            onSubmit={(event) => {
              event.preventDefault();
              if (newName.trim()) route(`/app/journeys/${encodeURIComponent(newName.trim())}?new=1`);
            }}
          >
            <div>
              <label for="new-journey-name">New journey name</label>
              <input id="new-journey-name" value={newName} pattern="[A-Za-z0-9][A-Za-z0-9_-]*" onInput={(event) => setNewName(event.currentTarget.value)} />
            </div>
            <button type="submit" class="secondary">
              New journey
            </button>
          </form>
        </div>
        {journeys.error && <ErrorNotice error={journeys.error} title="The journeys could not be read" />}
        {journeys.data && (
          <ul class="journey-list">
            {journeys.data.journeys.map((journey) => (
              <li key={journey.name}>
                <a href={`/app/journeys/${encodeURIComponent(journey.name)}`}>{journey.name}</a>{' '}
                <span class={`badge ${journey.enabled ? 'colour-green' : 'category-none'}`}>{journey.enabled ? 'enabled' : 'disabled'}</span>{' '}
                <span class="muted">
                  version {journey.version}
                  {journey.builtIn && ', built in'}
                  {typeof journey.definition['description'] === 'string' && ` — ${journey.definition['description']}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="enrollments-heading">
        <h2 id="enrollments-heading">Enrollments</h2>
        <div class="toolbar">
          <div>
            <label for="enrollment-journey">Journey</label>
            <select id="enrollment-journey" value={journeyFilter} onChange={(event) => filter({ journey: event.currentTarget.value })}>
              <option value="">All journeys</option>
              {journeys.data?.journeys.map((journey) => (
                <option key={journey.name} value={journey.name}>
                  {journey.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="enrollment-status">Status</label>
            <select id="enrollment-status" value={statusFilter} onChange={(event) => filter({ status: event.currentTarget.value })}>
              <option value="">Any status</option>
              <option value="active">active</option>
              <option value="completed">completed</option>
              <option value="failed">failed</option>
            </select>
          </div>
        </div>
        {enrollments.error && <ErrorNotice error={enrollments.error} title="The enrollments could not be read" />}
        {enrollments.data && (
          <>
            <p class="muted">
              {enrollments.data.total === 0
                ? 'No enrollments.'
                : `${enrollments.data.offset + 1}–${enrollments.data.offset + enrollments.data.enrollments.length} of ${enrollments.data.total}, latest first.`}
            </p>
            <ScrollTable label="Enrollments, latest first">
              <table>
                <caption class="visually-hidden">Enrollments, latest first</caption>
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Journey</th>
                    <th scope="col">Status</th>
                    <th scope="col">Enrolled</th>
                    <th scope="col">Workflow</th>
                  </tr>
                </thead>
                <tbody>
                  {enrollments.data.enrollments.map((enrollment) => (
                    <tr key={enrollment.id}>
                      <th scope="row">
                        <a href={`/app/users/${enrollment.user.id}`}>{enrollment.user.name ?? enrollment.user.email}</a>
                        <div class="muted">{enrollment.account.name}</div>
                      </th>
                      <td>
                        {enrollment.journeyName} <span class="muted">v{enrollment.journeyVersion}</span>
                      </td>
                      <td>
                        <span class={`badge ${STATUS_CLASS[enrollment.status] ?? 'category-none'}`}>{enrollment.status}</span>
                        {enrollment.outcome && <div class="muted">{enrollment.outcome}</div>}
                      </td>
                      <td>{new Date(enrollment.enrolledAt).toLocaleString()}</td>
                      <td class="workflow-cell">
                        {temporalUiUrl ? (
                          <a href={workflowUrl(temporalUiUrl, enrollment.workflowId)} target="_blank" rel="noopener">
                            {enrollment.workflowId}
                            <span class="visually-hidden"> in the Temporal UI (opens in a new tab)</span>
                          </a>
                        ) : (
                          <code>{enrollment.workflowId}</code>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
            <div class="toolbar">
              {enrollments.data.offset > 0 && (
                <button type="button" class="secondary" onClick={() => filter({ offset: String(Math.max(0, offset - ENROLLMENTS_PAGE) || '') })}>
                  Previous enrollments
                </button>
              )}
              {enrollments.data.offset + enrollments.data.enrollments.length < enrollments.data.total && (
                <button type="button" class="secondary" onClick={() => filter({ offset: String(offset + ENROLLMENTS_PAGE) })}>
                  Next enrollments
                </button>
              )}
            </div>
          </>
        )}
      </section>
    </>
  );
}

/** A workflow's page in the Temporal UI, whose address the overview gives for npsloop's namespace. */
function workflowUrl(temporalUiUrl: string, workflowId: string): string {
  return `${temporalUiUrl.replace(/\/$/, '')}/workflows/${encodeURIComponent(workflowId)}`;
}
