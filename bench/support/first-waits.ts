/** Whether journeys have reached their first wait, by workflow id, told by the worker and awaited by the client. */
export interface FirstWaits {
  /** The workflow has reached its first wait; whoever waits for it, now or later, goes on. */
  reached(workflowId: string): void;
  /** Resolves once the workflow has reached its first wait; rejects after the timeout. */
  waitFor(workflowId: string): Promise<void>;
}

export function createFirstWaits(timeoutMs: number): FirstWaits {
  const waiters = new Map<string, () => void>();
  const reachedIds = new Set<string>();
  return {
    reached(workflowId) {
      reachedIds.add(workflowId);
      waiters.get(workflowId)?.();
      waiters.delete(workflowId);
    },
    waitFor(workflowId) {
      const waiting = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${workflowId} did not reach its first wait in ${timeoutMs} ms`)), timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        if (reachedIds.has(workflowId)) done();
        else waiters.set(workflowId, done);
      });
      // Callers start the workflow before awaiting this: a timeout meanwhile is not unhandled.
      waiting.catch(() => undefined);
      return waiting;
    },
  };
}
