import type { PrivatePostgres } from './private-postgres.ts';

/** What the whole run shares: one private PostgreSQL (a database per scenario) and one workflow bundle. */
export interface SuiteResources {
  postgres: PrivatePostgres;
  workflowBundlePath: string;
}

/**
 * What a scenario measured: printed as its JSON line even when it ran out of time. `lost` and
 * `duplicates` are totals over everything the scenario checks (responses, workflows, tasks,
 * emails); `broke` counts each fault it caused.
 */
export interface Figures {
  sent: number;
  accepted: number;
  stored: number;
  workflows_completed: number;
  tasks: number;
  emails: number;
  duplicates: number;
  lost: number;
  broke: Record<string, number>;
  /** Scenario-specific detail: status counts, per-phase figures, which items were lost. */
  [detail: string]: unknown;
}

export function emptyFigures(): Figures {
  return { sent: 0, accepted: 0, stored: 0, workflows_completed: 0, tasks: 0, emails: 0, duplicates: 0, lost: 0, broke: {} };
}

export interface ScenarioContext {
  /** Aborted when the scenario's time limit passes or the suite is interrupted: every wait takes it. */
  signal: AbortSignal;
  /** This scenario's folder: logs, the Temporal state file. */
  dir: string;
  suite: SuiteResources;
  figures: Figures;
  /** Records a failed check; the scenario goes on measuring, and fails at the end. */
  problem(message: string): void;
  /** A line on stderr, so someone watching sees where it is. */
  progress(message: string): void;
  /** Counts faults caused on purpose under `broke` (one, unless `times` says more). */
  broke(what: string, times?: number): void;
}

export interface Scenario {
  name: string;
  /** What it breaks, in a sentence. */
  summary: string;
  timeLimitSeconds: number;
  run(context: ScenarioContext): Promise<void>;
}
