import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../config/config.ts';
import { npsloopSearchAttributes } from '../journeys/search-attributes.ts';
import { registerMissingSearchAttributes } from './register-search-attributes.ts';
import { resolveTemporalExecutable } from './temporal-binaries.ts';

export interface EmbeddedTemporal {
  /** Connections and a client to the server; `teardown()` stops it. */
  env: TestWorkflowEnvironment;
  address: string;
  uiUrl: string;
}

/**
 * The embedded default for orchestration: the Temporal CLI dev server, its state in a SQLite
 * file in the data folder (so journeys survive a restart), its UI on :8233, and npsloop's
 * search attributes registered so ops can filter workflows in the UI.
 */
export async function startEmbeddedTemporal(config: Config): Promise<EmbeddedTemporal> {
  const { devServer, namespace } = config.temporal;
  fs.mkdirSync(path.dirname(devServer.dbFile), { recursive: true });
  const [port, uiPort] = await Promise.all([
    devServer.port === 0 ? freePort() : ensureFree(devServer.port, 'TEMPORAL_DEV_SERVER_PORT'),
    devServer.uiPort === 0 ? freePort() : ensureFree(devServer.uiPort, 'TEMPORAL_DEV_SERVER_UI_PORT'),
  ]);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: await resolveTemporalExecutable('cli'),
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      dbFilename: devServer.dbFile,
      namespace,
      searchAttributes: npsloopSearchAttributes,
    },
  });
  try {
    await registerMissingSearchAttributes(env.address, namespace);
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return { env, address: env.address, uiUrl: `http://127.0.0.1:${uiPort}` };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A taken port would otherwise surface as a dev-server timeout with no hint of the cause. */
async function ensureFree(port: number, variable: string): Promise<number> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  } catch (error) {
    throw new Error(
      `port ${port} is taken (is another npsloop or Temporal dev server running?); stop it, set ${variable} to another port (0: any), or set TEMPORAL_ADDRESS to use a running Temporal`,
      { cause: error },
    );
  }
  await new Promise((resolve) => server.close(resolve));
  return port;
}
