import type { Client } from '@temporalio/client';
import { mean } from 'simple-statistics';

/** A workflow history event, as far as the breakdown reads it: its time, and which kind of attributes it carries. */
export interface HistoryEvent {
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  eventType?: unknown;
  [attributes: string]: unknown;
}

/** Where a workflow's time went, in ms, with the counts of its workflow tasks and activities. */
export interface HistoryBreakdown {
  span: number;
  wftQueued: number;
  wftRun: number;
  wfts: number;
  activityTotal: number;
  activities: number;
}

const eventMs = (event: HistoryEvent) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
export const hasAttributes = (event: HistoryEvent, attributes: string) => event[attributes] != null;

/**
 * From a workflow's history: time its workflow tasks waited in the queue and ran on the worker,
 * and time from scheduling each activity to its completion (the server writes an activity's
 * started event late, so its queue time is measured in the worker instead), with their counts.
 */
function historyBreakdown(events: HistoryEvent[]): HistoryBreakdown {
  const out = { span: 0, wftQueued: 0, wftRun: 0, wfts: 0, activityTotal: 0, activities: 0 };
  const scheduled = new Map<string, number>();
  let wftScheduled = 0;
  let wftStarted = 0;
  const first = events[0] ? eventMs(events[0]) : 0;
  for (const event of events) {
    const at = eventMs(event);
    const id = (key: string) => String((event[key] as { scheduledEventId?: unknown }).scheduledEventId);
    if (hasAttributes(event, 'workflowTaskScheduledEventAttributes')) wftScheduled = at;
    else if (hasAttributes(event, 'workflowTaskStartedEventAttributes')) {
      wftStarted = at;
      out.wftQueued += at - wftScheduled;
      out.wfts++;
    } else if (hasAttributes(event, 'workflowTaskCompletedEventAttributes')) out.wftRun += at - wftStarted;
    else if (hasAttributes(event, 'activityTaskScheduledEventAttributes')) scheduled.set(String((event as { eventId?: unknown }).eventId), at);
    else if (hasAttributes(event, 'activityTaskCompletedEventAttributes')) {
      out.activityTotal += at - (scheduled.get(id('activityTaskCompletedEventAttributes')) ?? at);
      out.activities++;
    }
    out.span = at - first;
  }
  return out;
}

/** The breakdown of a workflow's history, up to and including the first event `until` matches when given. */
export async function fetchHistoryBreakdown(client: Client, workflowId: string, until?: (event: HistoryEvent) => boolean): Promise<HistoryBreakdown> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const list = (events ?? []) as HistoryEvent[];
  const end = until ? list.findIndex(until) : -1;
  return historyBreakdown(end >= 0 ? list.slice(0, end + 1) : list);
}

/** The mean breakdown of some workflows as one line. */
export function meanBreakdownLine(label: string, parts: HistoryBreakdown[]): string {
  const meanOf = (key: keyof HistoryBreakdown) => mean(parts.map((part) => part[key])).toFixed(key === 'wfts' || key === 'activities' ? 1 : 0);
  return (
    `  ${label}: span ${meanOf('span')} ms = ${meanOf('wfts')} workflow tasks (queued ${meanOf('wftQueued')} ms, on the worker ${meanOf('wftRun')} ms)` +
    ` + ${meanOf('activities')} activities (scheduled to completed ${meanOf('activityTotal')} ms)`
  );
}
