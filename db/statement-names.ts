import { createHash } from 'node:crypto';

/** Runs of a statement in this process before it is prepared by name. */
const RUNS_BEFORE_NAMING = 3;
/** At most this many statements are named: what each connection keeps prepared on the server. */
const MAX_NAMED = 200;
/** At most this many statement texts are counted: SQL made on the fly (IN lists of every length) cannot grow the count without end. */
const MAX_COUNTED = 5_000;

/**
 * Which statements run by name. A statement this process runs again and again is prepared once
 * per connection, under a name from its text: PostgreSQL then parses it once, and after a few runs
 * plans it once (a generic plan, kept when it costs no more than planning each time), rather than
 * parsing and planning at every run. On the hot path of a response that planning is most of the
 * database's work. Only statements with parameters are named (the rest go by the simple protocol),
 * and only the first MAX_NAMED to run RUNS_BEFORE_NAMING times, so the server's memory per
 * connection stays bounded.
 */
export interface StatementNames {
  /** The name to run `text` under, or undefined to run it unnamed. */
  nameOf(text: string, parameterCount: number): string | undefined;
  /**
   * The server refused the statement's prepared form: a migration changed a table it reads (in
   * PostgreSQL's words, "cached plan must not change result type"). Later runs prepare the
   * statement anew, under another name; the refused run is run again unless it was in a
   * transaction, which then fails as a whole (db/postgres-pool.ts).
   */
  refused(text: string): void;
}

export function createStatementNames(): StatementNames {
  const runs = new Map<string, number>();
  const names = new Map<string, string>();
  // A statement refused once is renamed: connections holding the stale form never use it again.
  let generation = 0;
  return {
    nameOf(text, parameterCount) {
      if (parameterCount === 0) return undefined;
      const named = names.get(text);
      if (named !== undefined) return named;
      const seen = (runs.get(text) ?? 0) + 1;
      if (seen < RUNS_BEFORE_NAMING || names.size >= MAX_NAMED) {
        if (runs.has(text) || runs.size < MAX_COUNTED) runs.set(text, seen);
        return undefined;
      }
      runs.delete(text);
      const name = `npsloop_${createHash('sha256').update(text).digest('hex').slice(0, 32)}_${generation}`;
      names.set(text, name);
      return name;
    },
    refused(text) {
      if (!names.delete(text)) return;
      generation += 1;
    },
  };
}

/** Whether the server refused a prepared statement because a table it reads changed under it. */
export function isStalePreparedStatement(error: unknown): boolean {
  // feature_not_supported, raised by RevalidateCachedQuery.
  return (error as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test((error as Error).message ?? '');
}
