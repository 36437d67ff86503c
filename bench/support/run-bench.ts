import { childProcesses } from './child-processes.ts';

/** What a benchmark gets from its runner. */
export interface BenchRun {
  /** Aborted at the deadline or on SIGINT/SIGTERM: hand it to child processes and whatever else takes one. */
  signal: AbortSignal;
  /**
   * Registers how to stop or remove something the bench started. However the bench ends, each runs
   * once, the latest registered first, and none may take longer than STOP_TIMEOUT_MS.
   */
  onEnd(what: string, stop: () => unknown): void;
}

const STOP_TIMEOUT_MS = 30_000;

/** Why a bench was stopped from outside. */
class BenchStopped extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Runs one benchmark so that it always ends by itself: within `deadlineMs` (BENCH_DEADLINE_S
 * overrides it; stated on stderr at the start), or at SIGINT/SIGTERM, everything it registered is
 * stopped, any child process still running is terminated, and the process exits non-zero with the
 * reason. A bench that finished exits with its own process.exitCode (1 when it missed a target).
 */
export async function runBench(name: string, deadlineMs: number, bench: (run: BenchRun) => Promise<void>): Promise<never> {
  const limitMs = process.env.BENCH_DEADLINE_S ? Number(process.env.BENCH_DEADLINE_S) * 1000 : deadlineMs;
  if (!(limitMs > 0)) throw new Error(`BENCH_DEADLINE_S must be a positive number of seconds, not ${JSON.stringify(process.env.BENCH_DEADLINE_S)}`);
  log(`${name}: ends within ${minutes(limitMs)} (BENCH_DEADLINE_S to change), or stops and fails`);
  // Children from before the run (tsx's esbuild service) are not the bench's to stop.
  const earlierChildren = new Set(childProcesses().map((child) => child.pid));

  const controller = new AbortController();
  const stop = (reason: BenchStopped) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const deadline = setTimeout(() => stop(new BenchStopped(`did not finish within ${minutes(limitMs)}`, 1)), limitMs);
  // Repeats are ignored: one Ctrl-C reaches the bench twice under npm, from the terminal and
  // forwarded by npm, and stopping is bounded anyway.
  const onSignal = (signal: 'SIGINT' | 'SIGTERM', exitCode: number) => () => stop(new BenchStopped(`interrupted (${signal})`, exitCode));
  const onSigint = onSignal('SIGINT', 130);
  const onSigterm = onSignal('SIGTERM', 143);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  const stops: { what: string; stop: () => unknown }[] = [];
  const run: BenchRun = { signal: controller.signal, onEnd: (what, stopIt) => stops.push({ what, stop: stopIt }) };
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  stopped.catch(() => undefined);

  let failure: unknown;
  try {
    await Promise.race([bench(run), stopped]);
  } catch (error) {
    failure = error;
  }
  clearTimeout(deadline);
  // Whatever the bench is still doing in the background fails from here on: it is being stopped.
  stop(new BenchStopped('ended', 1));

  if (stops.length > 0) log(`${name}: stopping and removing what it started…`);
  for (const { what, stop: stopIt } of stops.reverse()) {
    try {
      const stopping = Promise.resolve()
        .then(stopIt)
        .catch((error: unknown) => {
          throw new Error(`stopping ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
        });
      await boundedBy(stopping, STOP_TIMEOUT_MS, `stopping ${what} took longer than ${STOP_TIMEOUT_MS / 1000} s`);
    } catch (error) {
      log(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const child of childProcesses().filter((c) => !earlierChildren.has(c.pid))) {
    log(`${name}: child process ${child.pid} (${child.command}) was still running; sending it SIGTERM`);
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // Gone meanwhile.
    }
  }
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);

  if (failure !== undefined) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    // Where an unexpected failure came from, then the reason as the last line.
    if (!(failure instanceof BenchStopped) && failure instanceof Error && failure.stack) log(failure.stack);
    log(`${name} failed: ${reason}`);
    process.exit(failure instanceof BenchStopped ? failure.exitCode : 1);
  }
  // Nothing the bench left behind (a pool, a timer, a runtime) may keep it running.
  process.exit(process.exitCode ?? 0);
}

function boundedBy<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
