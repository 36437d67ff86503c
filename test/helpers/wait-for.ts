/** Polls `probe` until it gives a value: for what a worker does in the background. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, seconds = 60): Promise<T> {
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; ) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
