import { useState } from 'preact/hooks';
import { query } from '../api.ts';
import type { TaskList } from '../task.ts';
import { useApi } from '../use-api.ts';
import { ErrorNotice } from './error-notice.tsx';
import { completedMessage, reassignedMessage } from './task-actions.tsx';
import { TaskCard } from './task-card.tsx';

/**
 * The tasks of an account or a user (GET /tasks filtered), each completed or reassigned in place,
 * with what the change did said above the list.
 */
export function TasksOf({ filter, label, empty }: { filter: { accountId: string; status: 'open' } | { userId: string }; label: string; empty: string }) {
  const { data, error, reload } = useApi<TaskList>(`/tasks${query({ ...filter, limit: 'accountId' in filter ? 500 : 100 })}`);
  const [confirmation, setConfirmation] = useState<string | undefined>();
  if (error) return <ErrorNotice error={error} title="The tasks could not be loaded" />;
  if (!data) return <p class="muted" role="status">Loading the tasks…</p>;
  return (
    <>
      {confirmation && (
        <p class="notice notice-success" role="status">
          {confirmation}
        </p>
      )}
      {data.tasks.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul class="task-list" aria-label={label}>
          {data.tasks.map((task) => (
            <TaskCard
              key={task.id}
              task={task}
              showAssignee
              onCompleted={(result) => {
                setConfirmation(completedMessage(result));
                reload();
              }}
              onReassigned={(result) => {
                setConfirmation(reassignedMessage(result));
                reload();
              }}
            />
          ))}
        </ul>
      )}
    </>
  );
}
