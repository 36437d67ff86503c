import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const fixture = path.resolve('test/fixtures/hanging-bench.ts');

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runBench: a benchmark always ends by itself', () => {
  let workDir: string;
  let bench: ChildProcess | undefined;
  let childPid: number | undefined;

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-run-bench-'));
  });
  afterEach(() => {
    // Only if a test failed half-way: the processes it started, by id.
    if (bench?.exitCode === null) bench.kill('SIGKILL');
    if (childPid !== undefined && isRunning(childPid)) process.kill(childPid, 'SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Starts the hanging bench; resolves with its exit and output once it has ended. */
  function startHangingBench(deadlineMs: number) {
    const marker = path.join(workDir, 'marker');
    const started = spawn(process.execPath, ['--import', 'tsx', fixture, String(deadlineMs), marker], { stdio: ['ignore', 'pipe', 'pipe'] });
    bench = started;
    let stdout = '';
    let stderr = '';
    started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<{ code: number | null; stderr: string; marker: string | undefined }>((resolve) =>
      started.once('exit', (code) => resolve({ code, stderr, marker: fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : undefined })),
    );
    const childStarted = async () => {
      for (let waited = 0; !/child (\d+)/.test(stdout); waited += 20) {
        if (waited > 20_000) throw new Error(`the bench never started its child: ${stderr}`);
        await sleep(20);
      }
      childPid = Number(/child (\d+)/.exec(stdout)?.[1]);
      return childPid;
    };
    return { process: started, ended, childStarted };
  }

  async function expectGone(pid: number) {
    for (let waited = 0; isRunning(pid) && waited < 5_000; waited += 50) await sleep(50);
    expect(isRunning(pid), `process ${pid}`).toBe(false);
  }

  it('stops at its deadline: what it registered is stopped, its child process terminated, and it exits 1 with the reason', async () => {
    const { ended, childStarted } = startHangingBench(3_000);
    const child = await childStarted();
    const { code, stderr, marker } = await ended;

    expect(code).toBe(1);
    expect(stderr).toContain('bench:hanging: ends within 3 s (BENCH_DEADLINE_S to change), or stops and fails');
    expect(stderr).toContain('bench:hanging failed: did not finish within 3 s');
    expect(stderr).toMatch(new RegExp(`child process ${child} \\(sleep\\) was still running; sending it SIGTERM`));
    expect(marker).toBe('stopped');
    await expectGone(child);
  });

  it('stops on SIGINT the same way, and exits 130', async () => {
    const { process: started, ended, childStarted } = startHangingBench(600_000);
    const child = await childStarted();
    started.kill('SIGINT');
    const { code, stderr, marker } = await ended;

    expect(code).toBe(130);
    expect(stderr).toContain('bench:hanging failed: interrupted (SIGINT)');
    expect(marker).toBe('stopped');
    await expectGone(child);
  });
});
