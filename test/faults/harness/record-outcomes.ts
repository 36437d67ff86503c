import type { FaultStack } from './fault-stack.ts';
import type { JourneysOutcome } from './journey-checks.ts';
import type { ScenarioContext } from './scenario.ts';
import type { StoredResponses } from './stored-responses.ts';
import type { WorkflowsOutcome } from './workflow-checks.ts';

/*
 * Adds a check's outcome to the scenario's figures, and each failure to its problems, the same
 * way in every scenario.
 */

const some = (items: string[]) => `${items.slice(0, 5).join(', ')}${items.length > 5 ? `, … (${items.length} in all)` : ''}`;

export function recordStoredResponses(context: ScenarioContext, stored: StoredResponses): void {
  const figures = context.figures;
  figures.sent += stored.sent;
  figures.accepted += stored.accepted;
  figures.stored += stored.stored;
  figures.lost += stored.lost.length;
  figures.duplicates += stored.duplicates;
  figures.stored_unacknowledged = Number(figures.stored_unacknowledged ?? 0) + stored.storedUnacknowledged;
  if (stored.lost.length > 0) context.problem(`${stored.lost.length} deliveries answered 2xx are not stored: ${some(stored.lost)}`);
  if (stored.duplicates > 0) context.problem(`${stored.duplicates} responses stored more than once`);
}

export function recordResponseWorkflows(context: ScenarioContext, outcome: WorkflowsOutcome): void {
  const figures = context.figures;
  figures.workflows_completed += outcome.completed;
  figures.lost += outcome.notCompleted.length;
  figures.response_workflow_reruns = Number(figures.response_workflow_reruns ?? 0) + outcome.reruns;
  if (outcome.notCompleted.length > 0) {
    context.problem(
      `${outcome.notCompleted.length} accepted responses have no completed workflow: ${some(outcome.notCompleted.map(({ workflowId, statuses }) => `${workflowId} (${statuses.join('/') || 'never started'})`))}`,
    );
  }
}

export function recordJourneys(context: ScenarioContext, outcome: JourneysOutcome): void {
  const figures = context.figures;
  figures.tasks += outcome.tasks;
  figures.emails += outcome.emails;
  figures.lost += outcome.lost;
  figures.duplicates += outcome.duplicated;
  const missing = Object.entries(outcome.missing).filter(([, n]) => n > 0);
  const duplicated = Object.entries(outcome.duplicates).filter(([, n]) => n > 0);
  if (missing.length > 0) context.problem(`journeys missing ${missing.map(([what, n]) => `${n} ${what}`).join(', ')}`);
  if (duplicated.length > 0) context.problem(`journeys duplicated ${duplicated.map(([what, n]) => `${n} ${what}`).join(', ')}`);
  if (outcome.wrong.length > 0) context.problem(`journeys not in their expected state: ${some(outcome.wrong)}`);
  figures.journey_missing = outcome.missing;
  figures.journey_duplicates = outcome.duplicates;
  if (outcome.redeliveredAfterKill > 0) figures.emails_redelivered_after_kill = Number(figures.emails_redelivered_after_kill ?? 0) + outcome.redeliveredAfterKill;
}

/** The API and the worker must only ever have died when the scenario killed them. */
export function recordProcessExits(context: ScenarioContext, stack: FaultStack): void {
  const processes = [
    { name: 'api', process: stack.api },
    { name: 'worker', process: stack.worker },
    ...stack.extraWorkers.map((process, i) => ({ name: `worker_${i + 2}`, process })),
  ];
  for (const { name, process } of processes) {
    if (process.unexpectedExits.length === 0) continue;
    context.figures[`${name}_died_by_itself`] = process.unexpectedExits.length;
    const last = process.unexpectedExits.at(-1)!;
    context.problem(`the ${name.replace('_', ' ')} process died by itself ${process.unexpectedExits.length} time(s); the last (code ${last.code}, signal ${last.signal}): ${causeOf(last.output)}`);
  }
}

/** The error a dying Node process printed: its first error line, and the SQLSTATE or errno code when there is one. */
function causeOf(output: string): string {
  const error = /^\s*(?:\w*Error\b|error:).*$/m.exec(output)?.[0].trim();
  const code = /^\s*code: '([^']+)'/m.exec(output)?.[1];
  if (!error) return output.split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 400);
  return `${error.slice(0, 300)}${code ? ` (code ${code})` : ''}`;
}
