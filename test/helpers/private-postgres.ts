import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../worker/free-port.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the tests' own, in a folder of its own on a free port, which a test may
 * stop and start again: the shared server on 5432 is never touched. Trust authentication on
 * loopback only. As root (initdb and the server refuse root) it runs as the `postgres` user.
 */
export interface PrivatePostgres {
  port: number;
  /** Its `postgres` database. */
  url: string;
  /** `fast` ends every session with 57P01, as a planned restart or failover does; `immediate` as a crash does. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it at once and removes the folder it made; synchronous, so it also runs on an exit path. */
  destroy(): void;
}

export interface PrivatePostgresOptions {
  maxConnections?: number;
  /** Where its data and `postgres.log` go (kept on destroy); a temporary folder, removed on destroy, by default. */
  dir?: string;
}

export async function startPrivatePostgres({ maxConnections = 30, dir: givenDir }: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = givenDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-pg-'));
  fs.mkdirSync(dir, { recursive: true });
  const removeDir = () => {
    if (!givenDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  const dataDir = path.join(dir, 'data');
  const asServerUser = serverUserCommand(dir);
  const port = await freePort();
  const pgCtlArgs = (...args: string[]) => asServerUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-w', '-t', '60', ...args]);
  const pgCtl = (...args: string[]) => run(...pgCtlArgs(...args));
  const start = async () => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=${maxConnections}`;
    await pgCtl('-l', path.join(dir, 'postgres.log'), '-o', options, 'start');
  };
  let running = false;
  try {
    await run(...asServerUser(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']));
    await start();
    running = true;
  } catch (error) {
    removeDir();
    throw error;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop(mode = 'fast') {
      await pgCtl('-m', mode, 'stop');
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    destroy() {
      if (running) {
        try {
          execFileSync(...pgCtlArgs('-m', 'immediate', 'stop'), { stdio: 'ignore', timeout: 30_000 });
        } catch {
          // Already stopped.
        }
      }
      running = false;
      removeDir();
    },
  };
}

/** The newest server installed the Debian way (/usr/lib/postgresql/<version>/bin). */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return path.join(root, newest, 'bin');
  throw new Error(`no PostgreSQL server binaries (initdb, pg_ctl) under ${root}/<version>/bin: install the postgresql package`);
}

/** A command as the user PostgreSQL runs as: ourselves, or `postgres` when we are root (who then owns `dir`). */
function serverUserCommand(dir: string): (file: string, args: string[]) => [string, string[]] {
  if (process.getuid?.() !== 0) return (file, args) => [file, args];
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  fs.chownSync(dir, id('-u'), id('-g'));
  return (file, args) => ['runuser', ['-u', 'postgres', '--', file, ...args]];
}
