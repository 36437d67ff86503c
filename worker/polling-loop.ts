/** What a pass found: more waiting (run again at once), nothing more for now, or nothing it could do. */
export type PassOutcome = 'more' | 'done' | 'stuck';

/**
 * Runs `pass` every `intervalMs` until stopped: at once again when it says more is waiting, so a
 * burst drains without waiting between passes, and after a growing pause (up to `maxBackoffMs`)
 * while it is stuck or fails (Temporal or the database unreachable). Stopping waits for the pass
 * in progress.
 */
export function startPollingLoop(
  pass: () => Promise<PassOutcome>,
  { intervalMs, maxBackoffMs, onError }: { intervalMs: number; maxBackoffMs: number; onError: (error: unknown) => void },
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let pauseMs = intervalMs;
  const backOff = () => (pauseMs = Math.min(pauseMs * 2, maxBackoffMs));
  const tick = () => {
    let nextInMs = intervalMs;
    running = pass()
      .then(
        (outcome) => {
          if (outcome === 'stuck') nextInMs = backOff();
          else {
            pauseMs = intervalMs;
            if (outcome === 'more') nextInMs = 0;
          }
        },
        (error: unknown) => {
          onError(error);
          nextInMs = backOff();
        },
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, nextInMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
