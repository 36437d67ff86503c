import { asyncLocalStorage } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs `work` while telling Temporal, every few seconds, that the activity's worker is alive: a
 * long step (a full recompute, a slow SMTP server) keeps its attempt, and one lost with a crashed
 * worker is retried after the heartbeat timeout instead of the whole start-to-close timeout.
 * Called outside an activity (the CLI, a test) or in a local one, it just runs `work`.
 */
export async function heartbeatWhile<T>(work: () => Promise<T>): Promise<T> {
  const context = asyncLocalStorage.getStore();
  // A local activity's attempt is kept by its workflow task, which has no use for heartbeats.
  if (!context || context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
