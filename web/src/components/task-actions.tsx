import { useState } from 'preact/hooks';
import { apiRequest } from '../api.ts';
import { useApi } from '../use-api.ts';
import type { CompletedTask, ReassignedTask, Task } from '../task.ts';
import { ErrorNotice } from './error-notice.tsx';

// The API keeps one outcome text per task (POST /tasks/:id/complete's `outcome`, shown on the
// user's timeline): the chosen outcome, then the note when there is one.
const OUTCOMES = ['Called the customer', 'Emailed the customer', 'Met the customer', 'Issue resolved', 'Could not reach the customer', 'No action needed'] as const;

type Change = { kind: 'idle' } | { kind: 'sending' } | { kind: 'failed'; error: Error };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Record what was done: the journey is told, closes the task and ends. */
export function CompleteTaskForm({ task, onCompleted }: { task: Task; onCompleted: (result: CompletedTask) => void }) {
  const [outcome, setOutcome] = useState<string>(OUTCOMES[0]);
  const [note, setNote] = useState('');
  const [state, setState] = useState<Change>({ kind: 'idle' });

  async function submit(event: Event) {
    event.preventDefault();
    setState({ kind: 'sending' });
    try {
      const text = note.trim() ? `${outcome}: ${note.trim()}` : outcome;
      const result = await apiRequest<CompletedTask>(`/tasks/${task.id}/complete`, { method: 'POST', body: { outcome: text } });
      setState({ kind: 'idle' });
      onCompleted(result);
    } catch (error) {
      setState({ kind: 'failed', error: asError(error) });
    }
  }

  return (
    <form class="task-form" onSubmit={submit} aria-label={`Complete task ${task.id}`}>
      <div class="field">
        <label for={`outcome-${task.id}`}>Outcome</label>
        <select id={`outcome-${task.id}`} value={outcome} onChange={(event) => setOutcome(event.currentTarget.value)}>
          {OUTCOMES.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`note-${task.id}`}>Note (optional)</label>
        <textarea id={`note-${task.id}`} rows={3} maxLength={1_800} value={note} onInput={(event) => setNote(event.currentTarget.value)} />
      </div>
      <button type="submit" disabled={state.kind === 'sending'}>
        {state.kind === 'sending' ? 'Completing…' : 'Complete task'}
      </button>
      {state.kind === 'failed' && <ErrorNotice error={state.error} title="The task was not completed" />}
    </form>
  );
}

interface CsmDirectory {
  csms: Array<{ id: number; name: string; email: string }>;
}

/** Give the task to another CSM: the journey changes the assignee and emails them. */
export function ReassignTaskForm({ task, onReassigned }: { task: Task; onReassigned: (result: ReassignedTask) => void }) {
  const directory = useApi<CsmDirectory>('/csms');
  const colleagues = (directory.data?.csms ?? []).filter((csm) => csm.id !== task.assignee.id);
  const [assignee, setAssignee] = useState('');
  const [reason, setReason] = useState('');
  const [state, setState] = useState<Change>({ kind: 'idle' });

  async function submit(event: Event) {
    event.preventDefault();
    setState({ kind: 'sending' });
    try {
      const body = { assignee, ...(reason.trim() ? { reason: reason.trim() } : {}) };
      const result = await apiRequest<ReassignedTask>(`/tasks/${task.id}/reassign`, { method: 'POST', body });
      setState({ kind: 'idle' });
      setAssignee('');
      setReason('');
      onReassigned(result);
    } catch (error) {
      setState({ kind: 'failed', error: asError(error) });
    }
  }

  return (
    <form class="task-form" onSubmit={submit} aria-label={`Reassign task ${task.id}`}>
      <div class="field">
        <label for={`assignee-${task.id}`}>Reassign to</label>
        <select id={`assignee-${task.id}`} required value={assignee} onChange={(event) => setAssignee(event.currentTarget.value)}>
          <option value="">{directory.loading ? 'Loading CSMs…' : 'Choose a CSM'}</option>
          {colleagues.map((csm) => (
            <option key={csm.id} value={String(csm.id)}>
              {csm.name} ({csm.email})
            </option>
          ))}
        </select>
        {directory.error && <ErrorNotice error={directory.error} title="The CSMs could not be loaded" />}
      </div>
      <div class="field">
        <label for={`reason-${task.id}`}>Reason (optional)</label>
        <input id={`reason-${task.id}`} type="text" maxLength={2_000} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
      </div>
      <button type="submit" class="secondary" disabled={state.kind === 'sending'}>
        {state.kind === 'sending' ? 'Reassigning…' : 'Reassign task'}
      </button>
      {state.kind === 'failed' && <ErrorNotice error={state.error} title="The task was not reassigned" />}
    </form>
  );
}

/** What a change did, in words, for the confirmation after it. */
export function completedMessage(result: CompletedTask): string {
  return result.journey === 'signalled'
    ? `Task ${result.task.id} is completed: its journey was told and has ended with your outcome.`
    : `Task ${result.task.id} is completed. Its journey had already ended, so only the task was closed.`;
}

export function reassignedMessage(result: ReassignedTask): string {
  return result.changed
    ? `Task ${result.task.id} is now ${result.task.assignee.name}’s (${result.task.assignee.email}); they were emailed.`
    : `Task ${result.task.id} was already ${result.task.assignee.name}’s: nothing changed.`;
}
