import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP port free on loopback right now, for a server a test will start (and restart) on it. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
