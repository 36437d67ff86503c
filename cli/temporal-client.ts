import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config.ts';
import { temporalConnectionOptions } from '../worker/temporal-connection.ts';

export interface CliTemporal {
  client: Client;
  close(): Promise<void>;
}

/**
 * A Temporal client for a command that signals or queries journeys: the cluster the worker
 * uses (TEMPORAL_ADDRESS and its TLS settings). Throws saying what to set, or what failed,
 * when there is none or it cannot be reached.
 */
export async function connectTemporal(config: Config, purpose: string): Promise<CliTemporal> {
  if (!config.temporal.address) {
    throw new Error(`TEMPORAL_ADDRESS is not set: ${purpose} needs the Temporal cluster the worker uses (host:7233)`);
  }
  const options = temporalConnectionOptions(config.temporal);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '5 seconds' });
  } catch (error) {
    throw new Error(`cannot reach Temporal at ${options.address} (TEMPORAL_ADDRESS): ${error instanceof Error ? error.message : String(error)}`);
  }
  return { client: new Client({ connection, namespace: config.temporal.namespace }), close: () => connection.close() };
}
