/**
 * Polls `probe` until it gives a value: for what a worker does in the background. A `signal`
 * stops the wait early (the fault suite's scenario deadlines and Ctrl-C).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  seconds = 60,
  { intervalMs = 50, signal }: { intervalMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<T> {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`);
}
