import type { WorkflowHandle } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export interface LocalActivityMarker {
  activityType: string;
  /** The attempt that settled the local activity. */
  attempt: number;
  /** Its failure's message; null when it completed. */
  failure: string | null;
}

/** The local activities a workflow's history records, in order: Temporal's core writes each as a `core_local_activity` marker. */
export function localActivityMarkers(events: readonly HistoryEvent[]): LocalActivityMarker[] {
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.['data']?.payloads?.[0]?.data : undefined;
    if (!data) return [];
    const { activity_type, attempt } = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string; attempt: number };
    return [{ activityType: activity_type, attempt, failure: marker!.failure?.message ?? null }];
  });
}
