import { useEffect, useState } from 'preact/hooks';
import { apiRequest, query } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { ErrorNotice } from './error-notice.tsx';
import { ScoreBadge } from './score-badge.tsx';

/** GET /users/:id/timeline's answer (api/schemas/users.ts). */
export type TimelineEvent =
  | {
      kind: 'response';
      eventId: string;
      at: string;
      responseId: number;
      score: number;
      category: 'promoter' | 'passive' | 'detractor';
      comment: string | null;
      source: string;
      receivedAt: string;
      accountId: number;
      excluded: boolean;
    }
  | { kind: 'list_entered' | 'list_exited'; eventId: string; at: string; ruleId: number; list: string }
  | {
      kind: 'enrollment_started' | 'enrollment_ended' | 'task_created' | 'task_escalated' | 'task_completed' | 'task_cancelled';
      eventId: string;
      at: string;
      journeyName: string;
      enrollmentId: number;
      responseId: number;
      status: string | null;
      outcome: string | null;
      taskId: number | null;
      escalationLevel: number | null;
      assigneeCsmId: number | null;
      assigneeName: string | null;
      dueAt: string | null;
      completedBy: string | null;
    };

export interface UserTimeline {
  user: { id: number; externalId: string; email: string; name: string | null; role: string | null; account: { id: number; name: string } };
  unsubscribed: { at: string; method: string } | null;
  events: TimelineEvent[];
  nextCursor: string | null;
}

const PAGE = 500;

/** Every page of a user's timeline (oldest first, as the API pages it). */
export function useUserTimeline(userId: number | string): { timeline: UserTimeline | undefined; error: Error | undefined } {
  const [state, setState] = useState<{ timeline: UserTimeline | undefined; error: Error | undefined }>({ timeline: undefined, error: undefined });
  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      const first = await apiRequest<UserTimeline>(`/users/${userId}/timeline${query({ limit: PAGE })}`, { signal: controller.signal });
      const events = [...first.events];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await apiRequest<UserTimeline>(`/users/${userId}/timeline${query({ limit: PAGE, cursor })}`, { signal: controller.signal });
        events.push(...page.events);
        cursor = page.nextCursor;
      }
      return { ...first, events, nextCursor: null };
    })().then(
      (timeline) => setState({ timeline, error: undefined }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ timeline: undefined, error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => controller.abort();
  }, [userId]);
  return state;
}

function describe(event: TimelineEvent) {
  switch (event.kind) {
    case 'response':
      return (
        <>
          <span>
            Answered <ScoreBadge score={event.score} /> via {event.source}
            {event.excluded && <span class="muted"> (left out of NPS at the survey tool’s request)</span>}
          </span>
          {event.comment && <blockquote class="comment-quote">{event.comment}</blockquote>}
        </>
      );
    case 'list_entered':
      return <span>Entered the list {event.list}</span>;
    case 'list_exited':
      return <span>Left the list {event.list}</span>;
    case 'enrollment_started':
      return <span>Journey {event.journeyName} started</span>;
    case 'enrollment_ended':
      return (
        <span>
          Journey {event.journeyName} ended {event.status ?? ''}
          {event.outcome ? `: ${event.outcome}` : ''}
        </span>
      );
    case 'task_created':
    case 'task_escalated':
      return (
        <span>
          {event.kind === 'task_escalated' ? 'Task escalated to' : 'Task created for'} {event.assigneeName ?? 'someone'}
          {event.taskId !== null && (
            <>
              {' '}
              (<a href={`/app/tasks/${event.taskId}`}>task {event.taskId}</a>)
            </>
          )}
          {event.dueAt ? `, due ${formatDateTime(event.dueAt)}` : ''}
        </span>
      );
    case 'task_completed':
      return (
        <span>
          Task {event.taskId ?? ''} completed{event.completedBy ? ` by ${event.completedBy}` : ''}
          {event.outcome ? `: ${event.outcome}` : ''}
        </span>
      );
    case 'task_cancelled':
      return (
        <span>
          Task {event.taskId ?? ''} closed{event.outcome ? `: ${event.outcome}` : ''}
        </span>
      );
  }
}

/** The user's history, newest first. */
export function TimelineList({ events, label }: { events: TimelineEvent[]; label: string }) {
  if (events.length === 0) return <p class="muted">Nothing has happened yet.</p>;
  const newestFirst = [...events].reverse();
  return (
    <ol class="timeline" aria-label={label}>
      {newestFirst.map((event) => (
        <li key={event.eventId}>
          <time dateTime={event.at}>{formatDateTime(event.at)}</time>
          {describe(event)}
        </li>
      ))}
    </ol>
  );
}

/** A user's timeline, read and shown. */
export function UserTimelineSection({ userId, label = 'History' }: { userId: number | string; label?: string }) {
  const { timeline, error } = useUserTimeline(userId);
  if (error) return <ErrorNotice error={error} title="The history could not be loaded" />;
  if (!timeline) return <p class="muted" role="status">Loading the history…</p>;
  return <TimelineList events={timeline.events} label={label} />;
}
