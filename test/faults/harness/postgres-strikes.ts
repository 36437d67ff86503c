import { setTimeout as sleep } from 'node:timers/promises';
import type { BackendState, PrivatePostgres } from './private-postgres.ts';
import type { ScenarioContext } from './scenario.ts';

/**
 * Faults aimed at npsloop's connections to its database on the private server, each counted in
 * the scenario's `broke`: backends terminated (by the state they were in), server restarts.
 */
export interface PostgresStrikes {
  /** pg_terminate_backend on every npsloop connection, whatever it is doing. */
  terminateAll(): Promise<number>;
  /** Watches for connections left idle inside a transaction and terminates each as it appears. */
  terminateIdleInTransaction(options: { seconds: number }): Promise<number>;
  /** Terminates every npsloop connection every `everyMs` until `work` settles; returns how many strikes. */
  terminateWhile(work: Promise<unknown>, options: { everyMs: number }): Promise<number>;
  /** Stops the server (sessions are told to end), keeps it down `downMs`, starts it again. */
  restart(options: { downMs: number }): Promise<void>;
}

export function postgresStrikes(context: ScenarioContext, postgres: PrivatePostgres, database: string): PostgresStrikes {
  const count = (counts: Record<BackendState, number>) => {
    let total = 0;
    for (const [state, n] of Object.entries(counts)) {
      if (n === 0) continue;
      context.broke(`pg_terminated_${state.replaceAll(' ', '_')}`, n);
      total += n;
    }
    return total;
  };
  const strikes: PostgresStrikes = {
    async terminateAll() {
      return count(await postgres.terminateNpsloopBackends(database));
    },
    async terminateIdleInTransaction({ seconds }) {
      let total = 0;
      for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
        total += count(await postgres.terminateNpsloopBackends(database, 'idle in transaction'));
        await sleep(10, undefined, { signal: context.signal });
      }
      return total;
    },
    async terminateWhile(work, { everyMs }) {
      let settled = false;
      void work.then(
        () => (settled = true),
        () => (settled = true),
      );
      let rounds = 0;
      while (!settled) {
        await strikes.terminateAll();
        rounds += 1;
        await sleep(everyMs, undefined, { signal: context.signal });
      }
      return rounds;
    },
    async restart({ downMs }) {
      await postgres.stop('fast');
      context.broke('pg_restart');
      await sleep(downMs, undefined, { signal: context.signal });
      await postgres.start();
    },
  };
  return strikes;
}
