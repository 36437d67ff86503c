import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  from: string;
  to: string[];
  /** The message as it arrived after DATA: headers and body. */
  raw: string;
}

/** Recipients at this domain are refused with 550, as a server refuses a mailbox that does not exist. */
export const REJECTING_DOMAIN = 'invalid.example';

export interface TestSmtpServer {
  /** Everything accepted since the server was created, across restarts. */
  received: ReceivedEmail[];
  /** Set once started; a restart listens on the same port. */
  port: number;
  url(): string;
  start(): Promise<void>;
  /** Closes the port: connections are refused until the next start. */
  stop(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives; not listening until started. */
export function createTestSmtpServer(): TestSmtpServer {
  let server: SMTPServer | undefined;
  const handle: TestSmtpServer = {
    received: [],
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
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', callback);
          stream.on('end', () => {
            const { mailFrom, rcptTo } = session.envelope;
            handle.received.push({
              from: mailFrom ? mailFrom.address : '',
              to: rcptTo.map((recipient) => recipient.address),
              raw: Buffer.concat(chunks).toString('utf8'),
            });
            callback();
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        started.server.once('error', reject);
        started.listen(handle.port, '127.0.0.1', () => {
          started.server.off('error', reject);
          resolve();
        });
      });
      const address = started.server.address();
      if (address === null || typeof address === 'string') throw new Error('test SMTP server has no TCP port');
      handle.port = address.port;
      server = started;
    },
    async stop() {
      const stopping = server;
      server = undefined;
      if (stopping) await new Promise<void>((resolve) => stopping.close(resolve));
    },
  };
  return handle;
}
