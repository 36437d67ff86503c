import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { startEmbeddedTemporal } from '../../worker/embedded-temporal-server.ts';
import { resolveTemporalExecutable } from '../../worker/temporal-binaries.ts';

/**
 * The dev server exits at start when a port it picked for itself was taken before it bound it.
 * The real binary stands behind a script whose first starts do that, as the dev server prints it.
 */
const PORT_TAKEN = 'panic: listen tcp 127.0.0.1:43125: bind: address already in use';

let dataDir: string;
const cliPathBefore = process.env.TEMPORAL_CLI_PATH;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-embedded-temporal-start-'));
});
afterEach(() => {
  if (cliPathBefore === undefined) delete process.env.TEMPORAL_CLI_PATH;
  else process.env.TEMPORAL_CLI_PATH = cliPathBefore;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Points TEMPORAL_CLI_PATH at a script that fails its first `failures` starts as a taken port does, then runs the real dev server. */
async function devServerFailingFirst(failures: number): Promise<{ starts: () => number }> {
  const real = (await resolveTemporalExecutable('cli')).path;
  const counter = path.join(dataDir, 'starts');
  const script = path.join(dataDir, 'temporal');
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `echo x >> '${counter}'`,
      `if [ "$(wc -l < '${counter}')" -le ${failures} ]; then`,
      `  echo '${PORT_TAKEN}' >&2`,
      '  echo "goroutine 1 [running]:" >&2',
      // A Go panic's stack runs far past the log's tail.
      '  i=0; while [ $i -lt 200 ]; do echo "go.uber.org/fx.New(...) /home/runner/go/pkg/mod/go.uber.org/fx@v1.24.0/app.go:507 +0x867" >&2; i=$((i+1)); done',
      '  exit 2',
      'fi',
      `exec '${real}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  process.env.TEMPORAL_CLI_PATH = script;
  return { starts: () => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').trim().split('\n').length : 0) };
}

const config = () => loadConfig({ NPSLOOP_DATA_DIR: dataDir, TEMPORAL_DEV_SERVER_PORT: '0', TEMPORAL_DEV_SERVER_UI_PORT: '0' });

it('starts the dev server again when it exited at start over a port taken meanwhile', async () => {
  const devServer = await devServerFailingFirst(2);
  const temporal = await startEmbeddedTemporal(config());
  try {
    const connection = await Connection.connect({ address: temporal.address });
    await connection.close();
    expect(devServer.starts()).toBe(3);
    expect(fs.readFileSync(temporal.logFile, 'utf8').match(/^--- \S+ /gm)).toHaveLength(3);
  } finally {
    await temporal.stop();
  }
}, 120_000);

it('gives up after three starts, saying what the log says first: the panic, not only its stack', async () => {
  const devServer = await devServerFailingFirst(3);
  const error = await startEmbeddedTemporal(config()).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(devServer.starts()).toBe(3);
  expect(error?.message).toMatch(/^the Temporal dev server exited at start \(code 2\); its log, \S+temporal\.log, says:\n/);
  expect(error?.message).toContain(`${PORT_TAKEN}\n…\n`);
}, 120_000);

it('does not start again when the dev server exited for another reason', async () => {
  const devServer = await devServerFailingFirst(0);
  // The SQLite file is a folder: the real server cannot open it.
  fs.mkdirSync(path.join(dataDir, 'temporal.sqlite'), { recursive: true });
  await expect(startEmbeddedTemporal(config())).rejects.toThrow(/exited at start/);
  expect(devServer.starts()).toBe(1);
}, 120_000);
