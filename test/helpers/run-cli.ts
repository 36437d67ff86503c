import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = path.resolve('bin/npsloop.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process on the embedded database in `dataDir`, whatever the
 * suite's DATABASE_URL says; `env` adds settings.
 */
export function cliRunner(dataDir: string, env: Record<string, string> = {}): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    try {
      const { stdout, stderr } = await run('node', [bin, ...args], { env: { ...inherited, NPSLOOP_DATA_DIR: dataDir, ...env } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as CliResult;
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
}
