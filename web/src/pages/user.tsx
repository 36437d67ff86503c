import { useRoute } from 'preact-iso';
import { query } from '../api.ts';
import { type ConditionExplanation, ConditionExplanationTree } from '../components/condition-explanation.tsx';
import { ErrorNotice } from '../components/error-notice.tsx';
import { TasksOf } from '../components/tasks-of.tsx';
import { TimelineList, useUserTimeline } from '../components/user-timeline.tsx';
import { formatDateTime } from '../format.ts';
import { useApi } from '../use-api.ts';
import '../csm.css';
import { ScrollTable } from '../components/scroll-table.tsx';

/** GET /users/:id/lists (api/schemas/lists.ts). */
interface UserLists {
  lists: Array<{ list: { name: string; description: string | null }; since: string; matches: boolean; explanation: ConditionExplanation }>;
}

/** GET /enrollments (api/routes/enrollments.ts). */
interface Enrollments {
  enrollments: Array<{ id: number; journeyName: string; journeyVersion: number; status: string; outcome: string | null; enrolledAt: string; endedAt: string | null; workflowId: string }>;
  total: number;
}

function ListsSection({ userId }: { userId: string }) {
  const { data, error } = useApi<UserLists>(`/users/${userId}/lists`);
  if (error) return <ErrorNotice error={error} title="The lists could not be loaded" />;
  if (!data) return <p class="muted" role="status">Loading the lists…</p>;
  if (data.lists.length === 0) return <p class="muted">In no list.</p>;
  return (
    <ul class="plain-list">
      {data.lists.map((entry) => (
        <li key={entry.list.name} class="card">
          <strong>{entry.list.name}</strong> <span class="muted">since {formatDateTime(entry.since)}</span>
          {!entry.matches && <span class="badge category-passive">leaves at the next refresh</span>}
          {entry.list.description && <p class="muted">{entry.list.description}</p>}
          <details>
            <summary>Why {entry.list.name}</summary>
            <ConditionExplanationTree explanation={entry.explanation} />
          </details>
        </li>
      ))}
    </ul>
  );
}

function JourneysSection({ userId }: { userId: string }) {
  const { data, error } = useApi<Enrollments>(`/enrollments${query({ user: userId, limit: 100 })}`);
  if (error) return <ErrorNotice error={error} title="The journeys could not be loaded" />;
  if (!data) return <p class="muted" role="status">Loading the journeys…</p>;
  if (data.enrollments.length === 0) return <p class="muted">Never enrolled in a journey.</p>;
  return (
    <ScrollTable label="Journeys the user was enrolled in, latest first">
      <table>
        <caption class="visually-hidden">Journeys the user was enrolled in, latest first</caption>
        <thead>
          <tr>
            <th scope="col">Journey</th>
            <th scope="col">State</th>
            <th scope="col">Enrolled</th>
            <th scope="col">Ended</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {data.enrollments.map((enrollment) => (
            <tr key={enrollment.id}>
              <td>
                {enrollment.journeyName} <span class="muted">v{enrollment.journeyVersion}</span>
              </td>
              <td>
                <span class={`badge ${enrollment.status === 'active' ? 'category-passive' : enrollment.status === 'failed' ? 'category-detractor' : 'category-none'}`}>{enrollment.status}</span>
              </td>
              <td>{formatDateTime(enrollment.enrolledAt)}</td>
              <td>{formatDateTime(enrollment.endedAt)}</td>
              <td>{enrollment.outcome ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function TasksSection({ userId }: { userId: string }) {
  return <TasksOf filter={{ userId }} label="Tasks about this user" empty="No follow-up tasks." />;
}

/** One user: who they are, what happened to them, the lists they are in and why, their journeys and tasks. */
export function UserPage() {
  const id = useRoute().params.id ?? '';
  const { timeline, error } = useUserTimeline(id);
  if (error) {
    return (
      <>
        <h1>User {id}</h1>
        <ErrorNotice error={error} />
      </>
    );
  }
  if (!timeline) return <p class="muted" role="status">Loading user {id}…</p>;
  const { user } = timeline;
  return (
    <>
      <h1>{user.name ?? user.email}</h1>
      <p class="muted">
        {user.email}
        {user.role ? ` · ${user.role}` : ''} · <a href={`/app/accounts/${user.account.id}`}>{user.account.name}</a>
      </p>
      {timeline.unsubscribed && (
        <p class="notice notice-warning">
          Unsubscribed from customer emails {formatDateTime(timeline.unsubscribed.at)} ({timeline.unsubscribed.method}): journeys send them no more.
        </p>
      )}
      <h2>Tasks</h2>
      <TasksSection userId={id} />
      <h2>Lists</h2>
      <ListsSection userId={id} />
      <h2>Journeys</h2>
      <JourneysSection userId={id} />
      <h2>Timeline</h2>
      <TimelineList events={timeline.events} label="Timeline, newest first" />
    </>
  );
}
