import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InFlightRequests, trackInFlightRequests } from '../../bench/support/in-flight-requests.ts';

/** A handler that runs until the test lets it finish, and says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened, entered: 0, finished: 0 };
}

describe("the webhook bench's in-flight accounting", () => {
  let app: FastifyInstance;
  let inFlight: InFlightRequests;
  let port: number;
  let slow: ReturnType<typeof gate>;

  beforeEach(async () => {
    slow = gate();
    app = Fastify();
    // As the API's token lookup does: an onRequest hook that waits, registered before the accounting.
    app.addHook('onRequest', async () => {
      await sleep(150);
    });
    app.post('/fast', async () => ({ ok: true }));
    app.post('/slow', async () => {
      slow.entered += 1;
      await slow.opened;
      slow.finished += 1;
      return { ok: true };
    });
    inFlight = trackInFlightRequests(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    slow.open();
    await app.close();
  });

  /** Writes `text` on a raw connection and hangs up once `until` holds. */
  async function hangUpAfter(text: string, until: () => boolean): Promise<void> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(text);
    while (!until()) await sleep(5);
    socket.destroy();
  }
  const post = (path: string, body: string, length = Buffer.byteLength(body)) =>
    `POST ${path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${body}`;
  const after = (ms: number) => {
    const at = Date.now() + ms;
    return () => Date.now() >= at;
  };

  it('counts nothing for ever when clients hang up during an onRequest hook or in the middle of the body', async () => {
    // While the onRequest hook waits: Fastify then stops the request with no onSend and no onResponse.
    await hangUpAfter(post('/fast', '{}'), after(20));
    await hangUpAfter(post('/fast', '{"partial": ', 100), after(20));
    // Once the hook is done, while the rest of the body is awaited.
    await hangUpAfter(post('/fast', '{"partial": ', 100), after(300));

    await expect(inFlight.drained(5_000)).resolves.toBeUndefined();
    expect(inFlight.count()).toBe(0);
  });

  it('waits for a handler that still runs after its client hung up, and says how many are left when it times out', async () => {
    await Promise.all([0, 1, 2].map(() => hangUpAfter(post('/slow', '{}'), () => slow.entered === 3)));
    await sleep(100);
    expect(inFlight.count()).toBe(3);
    await expect(inFlight.drained(200)).rejects.toThrow('3 request(s) were still being handled 0.2 s after the load ended');

    slow.open();
    await inFlight.drained(5_000);
    // Drained only once every handler had finished its work.
    expect(slow.finished).toBe(3);
    expect(inFlight.count()).toBe(0);
  });

  it('settles answered, refused and unknown requests', async () => {
    slow.open();
    const url = `http://127.0.0.1:${port}`;
    const statuses = await Promise.all([
      fetch(`${url}/fast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      fetch(`${url}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      fetch(`${url}/fast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken": ' }),
      fetch(`${url}/nowhere`),
    ].map(async (response) => (await response).status));
    expect(statuses).toEqual([200, 200, 400, 404]);

    await expect(inFlight.drained(5_000)).resolves.toBeUndefined();
    expect(inFlight.count()).toBe(0);
  });
});
