import { useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import { query } from '../api.ts';
import type { AccountNps } from '../account-nps.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { NpsFigure } from '../components/nps-figure.tsx';
import { ScoreBadge } from '../components/score-badge.tsx';
import { CompleteTaskForm, completedMessage, ReassignTaskForm, reassignedMessage } from '../components/task-actions.tsx';
import { UserTimelineSection } from '../components/user-timeline.tsx';
import { categoryOfScore, dueInWords, escalationInWords, formatDateTime } from '../format.ts';
import type { Task } from '../task.ts';
import { useApi } from '../use-api.ts';
import '../csm.css';

/** The account beside the task: who owns it and how its NPS stands over the last 90 days. */
function AccountCard({ accountId }: { accountId: number }) {
  const { data, error } = useApi<AccountNps>(`/accounts/${accountId}/nps${query({ window: 'last_90_days' })}`);
  return (
    <section class="card" aria-labelledby="task-account-heading">
      <h2 id="task-account-heading">Account</h2>
      {error && <ErrorNotice error={error} title="The account could not be loaded" />}
      {!data && !error && <p class="muted" role="status">Loading the account…</p>}
      {data && (
        <dl class="facts">
          <dt>Name</dt>
          <dd>
            <a href={`/app/accounts/${data.account.id}`}>{data.account.name}</a>
          </dd>
          <dt>NPS ({data.windows[0]?.window.label ?? "last 90 days"})</dt>
          <dd>{data.windows[0] ? <NpsFigure nps={data.windows[0].nps} margin={data.windows[0].marginOfError} n={data.windows[0].total} /> : '—'}</dd>
          <dt>CSM</dt>
          <dd>{data.account.csm ? `${data.account.csm.name} (${data.account.csm.email})` : 'nobody owns it'}</dd>
          {data.account.segment && (
            <>
              <dt>Segment</dt>
              <dd>{data.account.segment}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}

/** One follow-up task: what the detractor said, their history and account, and the ways to act on it. */
export function TaskPage() {
  const id = useRoute().params.id ?? '';
  const { data: task, error, reload } = useApi<Task>(`/tasks/${encodeURIComponent(id)}`);
  const [confirmation, setConfirmation] = useState<string | undefined>();

  if (error) {
    return (
      <>
        <h1>Task {id}</h1>
        <ErrorNotice error={error} />
        <p>
          <a href="/app/tasks">Back to My tasks</a>
        </p>
      </>
    );
  }
  if (!task) return <p class="muted" role="status">Loading task {id}…</p>;

  const who = task.user.name ?? task.user.email;
  const category = categoryOfScore(task.response.score);
  return (
    <>
      <p>
        <a href="/app/tasks">← My tasks</a>
      </p>
      <h1>
        Follow up {who} at {task.account.name}
      </h1>
      {confirmation && (
        <div class="notice notice-success" role="status">
          <strong>{confirmation}</strong>
          <p>
            <a href="/app/tasks">Back to My tasks</a>
          </p>
        </div>
      )}
      <p class="task-status">
        {task.status === 'open' ? (
          <>
            <span class={task.overdue ? 'overdue' : undefined}>{dueInWords(task.dueAt)}</span> ({formatDateTime(task.dueAt)}), {escalationInWords(task.escalationLevel)}:{' '}
            {task.assignee.name}.
          </>
        ) : (
          <>
            {task.status === 'done' ? 'Completed' : 'Closed'} {formatDateTime(task.completedAt)}
            {task.completedBy ? ` by ${task.completedBy}` : ''}
            {task.outcome ? `: ${task.outcome}` : ''}
          </>
        )}
      </p>
      <div class="detail-grid">
        <section class="card" aria-labelledby="task-response-heading">
          <h2 id="task-response-heading">What {who} said</h2>
          <p>
            <ScoreBadge score={task.response.score} large /> <span class="muted">a {category}, out of 10</span>
          </p>
          {task.response.comment ? <blockquote class="comment-quote">{task.response.comment}</blockquote> : <p class="muted">No comment.</p>}
          <p class="muted">
            <a href={`/app/users/${task.user.id}`}>{task.user.email}</a>
          </p>
        </section>
        {task.status === 'open' && (
          <section class="card" aria-labelledby="task-complete-heading">
            <h2 id="task-complete-heading">What was done</h2>
            <CompleteTaskForm
              task={task}
              onCompleted={(result) => {
                setConfirmation(completedMessage(result));
                reload();
              }}
            />
            <h2 id="task-reassign-heading">Reassign</h2>
            <ReassignTaskForm
              task={task}
              onReassigned={(result) => {
                setConfirmation(reassignedMessage(result));
                reload();
              }}
            />
          </section>
        )}
        <AccountCard accountId={task.account.id} />
      </div>
      <section aria-labelledby="task-history-heading">
        <h2 id="task-history-heading">{who}’s history</h2>
        <UserTimelineSection key={`${task.status}-${task.assignee.id}`} userId={task.user.id} label={`${who}’s history`} />
      </section>
    </>
  );
}
