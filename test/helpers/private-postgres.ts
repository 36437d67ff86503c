import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, in a temporary folder on a free port, which the test
 * may stop and start again: the shared server on 5432 is never stopped. Trust authentication on
 * loopback only. As root (PostgreSQL refuses to run as root) it runs as the `postgres` user.
 */
export interface PrivatePostgres {
  /** Its `postgres` database. */
  url: string;
  /** `fast` ends every session with 57P01, as a planned restart or failover does; `immediate` as a crash does. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres({ maxConnections = 30 }: { maxConnections?: number } = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-pg-'));
  const dataDir = path.join(dir, 'data');
  const asServerUser = await serverUserRunner(dir);
  const port = await freePort();
  const pgCtl = (...args: string[]) => asServerUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-w', '-t', '60', ...args]);
  const start = async () => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=${maxConnections}`;
    await pgCtl('-l', path.join(dir, 'server.log'), '-o', options, 'start');
  };
  let running = false;
  try {
    await asServerUser(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await start();
    running = true;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop(mode = 'fast') {
      await pgCtl('-m', mode, 'stop');
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await pgCtl('-m', 'immediate', 'stop');
      running = false;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest server installed the Debian way (/usr/lib/postgresql/<version>/bin), or pg_config's. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return path.join(root, newest, 'bin');
  throw new Error(`no PostgreSQL server binaries (initdb, pg_ctl) under ${root}/<version>/bin: install the postgresql package`);
}

/** Runs a command as the user PostgreSQL runs as: ourselves, or `postgres` when we are root. */
async function serverUserRunner(dir: string): Promise<(file: string, args: string[]) => Promise<unknown>> {
  if (process.getuid?.() !== 0) return (file, args) => run(file, args);
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  fs.chownSync(dir, await id('-u'), await id('-g'));
  return (file, args) => run('runuser', ['-u', 'postgres', '--', file, ...args]);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
