import { CompleteTaskForm, ReassignTaskForm } from './task-actions.tsx';
import { ScoreBadge } from './score-badge.tsx';
import { dueInWords, formatDateTime } from '../format.ts';
import type { CompletedTask, ReassignedTask, Task } from '../task.ts';

const SNIPPET = 160;

function snippet(comment: string | null): string {
  if (!comment) return 'No comment.';
  return comment.length > SNIPPET ? `${comment.slice(0, SNIPPET - 1)}…` : comment;
}

/** A task in a list: who answered what, for which account, when it is due, and the ways to act on it. */
export function TaskCard({
  task,
  showAssignee,
  onCompleted,
  onReassigned,
}: {
  task: Task;
  showAssignee: boolean;
  onCompleted: (result: CompletedTask) => void;
  onReassigned: (result: ReassignedTask) => void;
}) {
  const headingId = `task-${task.id}-heading`;
  const who = task.user.name ?? task.user.email;
  return (
    <li>
      <article class={`task-card${task.overdue ? ' is-overdue' : ''}`} aria-labelledby={headingId}>
        <h2 id={headingId}>
          <ScoreBadge score={task.response.score} />
          <a href={`/app/tasks/${task.id}`}>
            {who} at {task.account.name}
          </a>
          {task.overdue && <span class="badge category-detractor">Overdue</span>}
          {task.status !== 'open' && <span class="badge category-none">{task.status === 'done' ? 'Done' : 'Cancelled'}</span>}
        </h2>
        <p class="comment">{snippet(task.response.comment)}</p>
        <div class="meta">
          {task.status === 'open' ? (
            <span class={task.overdue ? 'overdue' : undefined} title={formatDateTime(task.dueAt)}>
              {dueInWords(task.dueAt)}
            </span>
          ) : (
            <span>
              {task.status === 'done' ? 'completed' : 'closed'} {formatDateTime(task.completedAt)}
              {task.outcome ? `: ${task.outcome}` : ''}
            </span>
          )}
          <a href={`/app/accounts/${task.account.id}`}>Account {task.account.name}</a>
          <a href={`/app/users/${task.user.id}`}>{task.user.email}</a>
          {showAssignee && <span>Assigned to {task.assignee.name}</span>}
          {task.escalationLevel > 0 && <span>Escalation level {task.escalationLevel}</span>}
        </div>
        {task.status === 'open' && (
          <details>
            <summary>Complete or reassign task {task.id}</summary>
            <div class="actions">
              <CompleteTaskForm task={task} onCompleted={onCompleted} />
              <ReassignTaskForm task={task} onReassigned={onReassigned} />
            </div>
          </details>
        )}
      </article>
    </li>
  );
}
