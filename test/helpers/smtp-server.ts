import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  from: string;
  to: string[];
  /** The message's Message-ID header, angle brackets included. */
  messageId: string | undefined;
  /** The message as it arrived after DATA: headers and body. */
  raw: string;
}

/** A transaction the server refused with 451, as a greylisting or overloaded relay does. */
export interface DeferredTransaction {
  to: string[];
  at: 'RCPT TO' | 'DATA';
}

/** Recipients at this domain are refused with 550, as a server refuses a mailbox that does not exist. */
export const REJECTING_DOMAIN = 'invalid.example';

/** How the server misbehaves; a plain, prompt server by default. */
export interface TestSmtpServerOptions {
  /** How long the server takes to acknowledge a message once it has the whole of it (its final dot). */
  acknowledgeDataAfterMs?: number;
  /**
   * Each recipient's first `count` transactions are refused with 451: at RCPT TO, or after the whole
   * message arrived (the reply to its final dot), where the refused message is not kept.
   */
  deferFirst?: { count: number; at: 'RCPT TO' | 'DATA' };
}

export interface TestSmtpServer {
  /**
   * Every message the server took in full since it was created, across restarts: recorded on its
   * final dot, so a message whose acknowledgement is still pending, or never reached the client, is in.
   */
  received: ReceivedEmail[];
  deferred: DeferredTransaction[];
  /** Set once started; a restart listens on the same port. */
  port: number;
  url(): string;
  start(): Promise<void>;
  /**
   * Closes the port: connections are refused until the next start. Open sessions are told
   * "421 Server shutting down", which refuses a message still awaiting its acknowledgement.
   */
  stop(): Promise<void>;
  /**
   * Drops every connection without a word and closes the port, as a crashed server or a lost
   * network does: a message awaiting its acknowledgement was taken all the same.
   */
  crash(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives; not listening until started. */
export function createTestSmtpServer(options: TestSmtpServerOptions = {}): TestSmtpServer {
  let server: SMTPServer | undefined;
  const sockets = new Set<Socket>();
  const deferrals = new Map<string, number>();
  /** Messages taken whose acknowledgement is still to be sent, with its timer. */
  const pendingAcknowledgements = new Map<NodeJS.Timeout, ReceivedEmail>();
  /** True, and counted, while the recipient's first transactions are still to be refused. */
  const deferring = (to: string[], at: DeferredTransaction['at']) => {
    if (options.deferFirst?.at !== at) return false;
    const limit = options.deferFirst.count;
    if (!to.some((address) => (deferrals.get(address) ?? 0) < limit)) return false;
    for (const address of to) deferrals.set(address, (deferrals.get(address) ?? 0) + 1);
    handle.deferred.push({ to, at });
    return true;
  };
  const deferral = () => Object.assign(new Error('4.3.2 Try again later'), { responseCode: 451 });

  const handle: TestSmtpServer = {
    received: [],
    deferred: [],
    port: 0,
    url: () => `smtp://127.0.0.1:${handle.port}`,
    async start() {
      if (server) throw new Error('test SMTP server already started');
      const started = new SMTPServer({
        authOptional: true,
        // Plain text on loopback: the built-in certificate is self-signed and would fail STARTTLS.
        disabledCommands: ['STARTTLS'],
        logger: false,
        closeTimeout: 1_000,
        onRcptTo(address, _session, callback) {
          if (address.address.toLowerCase().endsWith(`@${REJECTING_DOMAIN}`)) {
            callback(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
            return;
          }
          if (deferring([address.address], 'RCPT TO')) return callback(deferral());
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', callback);
          stream.on('end', () => {
            const { mailFrom, rcptTo } = session.envelope;
            const to = rcptTo.map((recipient) => recipient.address);
            if (deferring(to, 'DATA')) return callback(deferral());
            const raw = Buffer.concat(chunks).toString('utf8');
            const headers = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
            const received: ReceivedEmail = {
              from: mailFrom ? mailFrom.address : '',
              to,
              messageId: /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1],
              raw,
            };
            handle.received.push(received);
            if (!options.acknowledgeDataAfterMs) return callback();
            const acknowledgement = setTimeout(() => {
              pendingAcknowledgements.delete(acknowledgement);
              callback();
            }, options.acknowledgeDataAfterMs);
            pendingAcknowledgements.set(acknowledgement, received);
          });
        },
      });
      // A client that dies mid-session (a SIGKILLed worker) resets its connection: smtp-server
      // reports that as the server's 'error', which without a listener would end this process.
      started.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        started.server.once('error', reject);
        started.listen(handle.port, '127.0.0.1', () => {
          started.server.off('error', reject);
          resolve();
        });
      });
      started.server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      const address = started.server.address();
      if (address === null || typeof address === 'string') throw new Error('test SMTP server has no TCP port');
      handle.port = address.port;
      server = started;
    },
    async stop() {
      // Refused with 421 instead of acknowledged: no longer taken.
      for (const [acknowledgement, refused] of pendingAcknowledgements) {
        clearTimeout(acknowledgement);
        handle.received.splice(handle.received.indexOf(refused), 1);
      }
      pendingAcknowledgements.clear();
      await close();
    },
    async crash() {
      for (const acknowledgement of pendingAcknowledgements.keys()) clearTimeout(acknowledgement);
      pendingAcknowledgements.clear();
      for (const socket of sockets) socket.destroy();
      await close();
    },
  };
  async function close() {
    const stopping = server;
    server = undefined;
    if (stopping) await new Promise<void>((resolve) => stopping.close(resolve));
  }
  return handle;
}
