import { useMemo, useState } from 'preact/hooks';
import { query } from '../api.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { completedMessage, reassignedMessage } from '../components/task-actions.tsx';
import { TaskCard } from '../components/task-card.tsx';
import { useAllPages } from '../load-all-pages.ts';
import { useSession } from '../session.ts';
import type { CompletedTask, ReassignedTask, Task, TaskList } from '../task.ts';
import '../csm.css';

const PAGE = 500;
type Status = 'open' | 'done' | 'cancelled' | 'all';

/** Open first (the API lists soonest due first, so overdue ones lead), then closed ones, latest first. */
function inboxOrder(a: Task, b: Task): number {
  if ((a.status === 'open') !== (b.status === 'open')) return a.status === 'open' ? -1 : 1;
  if (a.status === 'open') return a.dueAt.localeCompare(b.dueAt);
  return (b.completedAt ?? '').localeCompare(a.completedAt ?? '');
}

/** The CSM's inbox: their follow-up tasks, a manager's team's, or for an admin everyone's. */
export function MyTasksPage() {
  const session = useSession();
  const [status, setStatus] = useState<Status>('open');
  // A CSM sees their own by default; a manager may widen to the team (the API's default for them).
  const [scope, setScope] = useState<'mine' | 'team'>('mine');
  const [csmFilter, setCsmFilter] = useState('');
  const [confirmation, setConfirmation] = useState<string | undefined>();

  const assignee = session.role === 'csm' && scope === 'mine' ? session.email : undefined;
  const base = { status: status === 'all' ? undefined : status, assignee };
  const key = query(base);
  const { items, error, loading, reload } = useAllPages<TaskList, Task>(
    key,
    PAGE,
    (offset, limit) => `/tasks${query({ ...base, limit, offset })}`,
    (page) => page.tasks,
    (page) => page.total,
  );

  const assignees = useMemo(() => {
    const byId = new Map<number, Task['assignee']>();
    for (const task of items ?? []) byId.set(task.assignee.id, task.assignee);
    return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [items]);
  const shown = useMemo(
    () => (items ?? []).filter((task) => csmFilter === '' || String(task.assignee.id) === csmFilter).sort(inboxOrder),
    [items, csmFilter],
  );
  const overdue = shown.filter((task) => task.overdue).length;
  const heading = session.role === 'admin' ? 'Tasks' : scope === 'team' ? 'My team’s tasks' : 'My tasks';

  function changed(message: string) {
    setConfirmation(message);
    reload();
  }

  return (
    <>
      <h1>{heading}</h1>
      <div class="toolbar" role="group" aria-label="Which tasks">
        {session.role === 'csm' && session.isManager && (
          <div>
            <label for="task-scope">Show</label>
            <select id="task-scope" value={scope} onChange={(event) => setScope(event.currentTarget.value as 'mine' | 'team')}>
              <option value="mine">My tasks</option>
              <option value="team">My team’s tasks</option>
            </select>
          </div>
        )}
        <div>
          <label for="task-status">Status</label>
          <select id="task-status" value={status} onChange={(event) => setStatus(event.currentTarget.value as Status)}>
            <option value="open">Open</option>
            <option value="done">Done</option>
            <option value="cancelled">Cancelled</option>
            <option value="all">All</option>
          </select>
        </div>
        {(session.role === 'admin' || scope === 'team') && (
          <div>
            <label for="task-csm">CSM</label>
            <select id="task-csm" value={csmFilter} onChange={(event) => setCsmFilter(event.currentTarget.value)}>
              <option value="">Every CSM</option>
              {assignees.map((csm) => (
                <option key={csm.id} value={String(csm.id)}>
                  {csm.name} ({csm.email})
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {confirmation && (
        <p class="notice notice-success" role="status">
          {confirmation}
        </p>
      )}
      {error && <ErrorNotice error={error} title="The tasks could not be loaded" />}
      {loading && !items && (
        <p class="muted" role="status">
          Loading tasks…
        </p>
      )}
      {items && (
        <>
          <p class="muted" aria-live="polite">
            {shown.length === 0
              ? status === 'open'
                ? 'No open tasks. Nothing is waiting for you.'
                : 'No tasks here.'
              : `${shown.length} ${shown.length === 1 ? 'task' : 'tasks'}${overdue > 0 ? `, ${overdue} overdue` : ''}.`}
          </p>
          <ul class="task-list" aria-label={heading}>
            {shown.map((task) => (
              <TaskCard
                key={task.id}
                task={task}
                showAssignee={session.role === 'admin' || scope === 'team'}
                onCompleted={(result: CompletedTask) => changed(completedMessage(result))}
                onReassigned={(result: ReassignedTask) => changed(reassignedMessage(result))}
              />
            ))}
          </ul>
        </>
      )}
    </>
  );
}
