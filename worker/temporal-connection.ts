import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config/config.ts';

/**
 * Connection options for a Temporal cluster or Temporal Cloud: plain on a private network,
 * TLS with an API key, or mutual TLS with a client certificate. Used by the worker's native
 * connection and by the client alike.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnectionOptions(temporal: Config['temporal']): TemporalConnectionOptions {
  const address = temporal.address ?? 'localhost:7233';
  const tls =
    typeof temporal.tls === 'object'
      ? { clientCertPair: { crt: fs.readFileSync(temporal.tls.certPath), key: fs.readFileSync(temporal.tls.keyPath) } }
      : temporal.tls;
  return {
    address,
    tls,
    ...(temporal.apiKey ? { apiKey: temporal.apiKey, metadata: { 'temporal-namespace': temporal.namespace } } : {}),
  };
}
