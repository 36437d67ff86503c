import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseInUseError, openDatabase } from '../../db/connect.ts';

const connectModule = path.resolve(import.meta.dirname, '../../db/connect.ts');

let dataDir: string;
let holder: ChildProcess | undefined;

beforeEach(async () => {
  dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'npsloop-lock-')), 'pglite');
});

afterEach(async () => {
  if (holder && holder.exitCode === null) {
    holder.kill('SIGTERM');
    await once(holder, 'exit');
  }
  holder = undefined;
  await fs.rm(path.dirname(dataDir), { recursive: true, force: true });
});

/** Another process with the embedded database open, as `npm start` would have it. */
async function openInAnotherProcess(): Promise<ChildProcess> {
  const script = `
    const { openDatabase } = await import(${JSON.stringify(connectModule)});
    const db = await openDatabase({ kind: 'pglite', dataDir: ${JSON.stringify(dataDir)} });
    process.on('SIGTERM', async () => { await db.close(); process.exit(0); });
    process.stdout.write('open\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('open\n');
  return child;
}

describe('the embedded database belongs to one process', () => {
  it('refuses a second opening while another process holds it, naming that process, and opens once it closed', async () => {
    holder = await openInAnotherProcess();

    const refusal = openDatabase({ kind: 'pglite', dataDir });

    await expect(refusal).rejects.toThrow(DatabaseInUseError);
    await expect(refusal).rejects.toThrow(`the embedded database in ${dataDir} is open in process ${holder.pid}`);
    holder.kill('SIGTERM');
    await once(holder, 'exit');
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await db.close();
  });

  it('refuses a second opening in the same process, and opens again after close', async () => {
    const first = await openDatabase({ kind: 'pglite', dataDir });
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(`is open in process ${process.pid}`);
    await first.close();

    const again = await openDatabase({ kind: 'pglite', dataDir });
    await again.close();
  });

  it('takes over the lock of a process that died without releasing it, once it has gone stale', async () => {
    const first = await openDatabase({ kind: 'pglite', dataDir });
    await first.close();
    // What a killed holder leaves: a fresh lock and the pid of a process that is gone.
    await fs.mkdir(path.join(dataDir, 'npsloop.lock'));
    await fs.writeFile(path.join(dataDir, 'npsloop.pid'), String(spawnSync('true').pid));

    const started = Date.now();
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await db.close();
    expect(Date.now() - started).toBeGreaterThan(5_000);
  }, 30_000);
});
