import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP port free on `host` right now, for a server about to start on it (port 0 asked for "any"). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
