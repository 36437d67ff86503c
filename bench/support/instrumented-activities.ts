import { Context } from '@temporalio/activity';
import { mean, quantileSorted, sum } from 'simple-statistics';
import { HOLLOW_PREFIX } from './hollow-journey-activities.ts';

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** Per activity (a local one named with " (local)"): how long each run took and how long it waited first, in ms. */
export type ActivityDurations = Map<string, { run: number[]; queued: number[] }>;

/**
 * Runs the hollow version of an activity for a hollow journey's workflows and the real one
 * otherwise; times every real activity (and how long its task waited to be picked up, or for a
 * local activity, how long it waited for a slot) and tells `onDone` which workflow an activity
 * finished for.
 */
export function instrumentActivities<T extends Record<string, ActivityFunction>>(
  activities: T,
  hollow: Partial<T>,
  onDone: (name: string, workflowId: string) => void,
): { activities: T; durations: ActivityDurations } {
  const durations: ActivityDurations = new Map();
  const wrapped = Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: never[]) => {
        const { info } = Context.current();
        const workflowId = info.workflowExecution?.workflowId ?? '';
        const isHollow = workflowId.startsWith(HOLLOW_PREFIX);
        const queued = Date.now() - info.currentAttemptScheduledTimestampMs;
        const start = performance.now();
        const result = await (isHollow ? hollow[name as keyof T]! : activity)(...args);
        if (!isHollow) {
          const key = info.isLocal ? `${name} (local)` : name;
          const entry = durations.get(key) ?? { run: [], queued: [] };
          entry.run.push(performance.now() - start);
          entry.queued.push(queued);
          durations.set(key, entry);
        }
        if (workflowId) onDone(name, workflowId);
        return result;
      },
    ]),
  ) as T;
  return { activities: wrapped, durations };
}

/** One line per activity, the most total run time first, then the run time per journey (or per `unit`). */
export function activityDurationLines(durations: ActivityDurations, count: number, unit = 'journey'): string[] {
  const byTotalRun = [...durations].sort(([, a], [, b]) => sum(b.run) - sum(a.run));
  const lines = byTotalRun.map(([name, { run, queued }]) => {
    const sorted = [...run].sort((a, b) => a - b);
    const p = (q: number) => quantileSorted(sorted, q).toFixed(1);
    return (
      `    ${name.padEnd(20)} ×${String(run.length).padStart(4)}  run mean ${mean(run).toFixed(1).padStart(6)} ms  p50 ${p(0.5).padStart(6)}  p95 ${p(0.95).padStart(6)}` +
      `  | task queued mean ${mean(queued).toFixed(0).padStart(4)} ms`
    );
  });
  const total = sum(byTotalRun.map(([, { run }]) => sum(run)));
  lines.push(`    activity run time per ${unit}: ${(total / count).toFixed(1)} ms`);
  return lines;
}
