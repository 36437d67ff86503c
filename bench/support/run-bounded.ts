/** How often progress goes to stderr, in finished tasks. */
const PROGRESS_EVERY = 50;

/**
 * Runs `task(0)` to `task(count - 1)` with at most `limit` in flight and returns the wall time in
 * ms. `limit` lanes each take the next index as soon as their previous task is done, so the bound
 * holds throughout rather than per batch. (No limiter library is installed; this is the whole of one.)
 */
export async function runBounded(count: number, limit: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < count) {
      await task(next++);
      done++;
      if (done % PROGRESS_EVERY === 0) process.stderr.write(`  ${done}/${count}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return performance.now() - start;
}
