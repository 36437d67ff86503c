#!/usr/bin/env node
// Builds the web app (web/src → web/dist) with Vite when its sources changed since the last build,
// so `npm install` and `npm start` leave it current and nobody builds by hand. The fingerprint of
// what went into a build is kept beside it, in web/dist/.source-fingerprint.
//
//   node web/build-web-app.mjs           build when stale (npm's postinstall; best effort: exit 0)
//   node web/build-web-app.mjs --force   build now; exit 1 on failure
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
export const webAppDist = path.join(webRoot, 'dist');
const fingerprintFile = path.join(webAppDist, '.source-fingerprint');

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

/** What the build reads: the app's sources, its page, its configuration, and the locked dependencies. */
function sourceFingerprint() {
  const hash = createHash('sha256');
  const inputs = [
    ...filesUnder(path.join(webRoot, 'src')),
    path.join(webRoot, 'index.html'),
    path.join(webRoot, 'vite.config.ts'),
    path.join(webRoot, '..', 'package-lock.json'),
  ];
  for (const file of inputs) {
    hash.update(path.relative(webRoot, file)).update('\0');
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

export function webAppIsCurrent() {
  return existsSync(fingerprintFile) && readFileSync(fingerprintFile, 'utf8') === sourceFingerprint();
}

/**
 * Builds when stale; resolves to whether it built. Processes starting at once (test suites, a
 * worker beside the API) build one at a time: the others wait, then find it current.
 */
export async function buildWebAppIfStale({ force = false, log = (line) => console.log(line) } = {}) {
  if (!force && webAppIsCurrent()) return false;
  const release = await lockfile.lock(webRoot, { lockfilePath: path.join(webRoot, '.build.lock'), stale: 60_000, retries: { retries: 120, minTimeout: 500, maxTimeout: 1_000 } });
  try {
    if (!force && webAppIsCurrent()) return false;
    const fingerprint = sourceFingerprint();
    const started = Date.now();
    log('npsloop: building the web app (web/ → web/dist)…');
    const { build } = await import('vite');
    await build({ configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
    writeFileSync(fingerprintFile, fingerprint);
    log(`npsloop: web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  } finally {
    await release();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const force = process.argv.includes('--force');
  try {
    await buildWebAppIfStale({ force });
  } catch (error) {
    console.error(`npsloop: the web app did not build: ${error instanceof Error ? error.message : String(error)}`);
    // At install time a failed build must not fail the install: npm start builds again and says why.
    process.exitCode = force ? 1 : 0;
  }
}
