import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { startEmbeddedTemporal } from '../../worker/embedded-temporal-server.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-embedded-temporal-log-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it('writes what the dev server prints itself to its log file in the data folder, appending on each start, and stops it', async () => {
  const config = loadConfig({ NPSLOOP_DATA_DIR: dataDir, TEMPORAL_DEV_SERVER_PORT: '0', TEMPORAL_DEV_SERVER_UI_PORT: '0' });
  const logFile = path.join(dataDir, 'logs', 'temporal.log');

  for (const start of [1, 2]) {
    const temporal = await startEmbeddedTemporal(config);
    try {
      expect(temporal.logFile).toBe(logFile);
      const connection = await Connection.connect({ address: temporal.address });
      await connection.close();
    } finally {
      await temporal.stop();
      await temporal.stop();
    }
    await expect(Connection.connect({ address: temporal.address, connectTimeout: 1_000 })).rejects.toThrow();

    // Its stdout and stderr (one file for both) hold its banner, after a line per start naming the command.
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log.match(/^--- \S+ \S*temporal server start-dev /gm), log).toHaveLength(start);
    expect(log.match(/^Temporal Server: +localhost:\d+$/gm), log).toHaveLength(start);
  }
}, 120_000);
