import { SMTPServer } from 'smtp-server';
import { freePort } from '../../../worker/free-port.ts';

export interface DeliveredEmail {
  messageId: string;
  to: string[];
  subject: string;
  /** When the server accepted it (epoch ms). */
  receivedAt: number;
}

/**
 * A real SMTP server on loopback that a scenario breaks on purpose: stopped and started again on
 * the same port, refusing its next N transactions with a 4xx, or slow to acknowledge a message's
 * data. A message counts as received once the server decides to accept it, even if the client
 * has given up waiting for the reply by then: a slow relay still delivers what it was given.
 */
export interface FaultSmtpServer {
  port: number;
  url(): string;
  start(): Promise<void>;
  /** Closes the port: connections are refused until the next start. */
  stop(): Promise<void>;
  /** The next `count` transactions are answered 451 at RCPT TO, as a server that is busy. */
  refuseNext(count: number): void;
  /** Holds the reply to each message's data this long (0: answer at once). */
  delayDataAck(ms: number): void;
  /** Every message received since creation, across restarts, in order. */
  received: DeliveredEmail[];
  /** How many times each Message-ID was received. */
  countsByMessageId(): Map<string, number>;
  /** Messages received more than once: the sum of (count - 1) over every Message-ID. */
  duplicates(): number;
  /** Faults served: transactions refused with 4xx, data acknowledgements held. */
  faults: { refused: number; delayed: number };
  /** Messages whose data arrived and whose acknowledgement is still held. */
  heldAcks(): number;
}

const MESSAGE_ID = /^message-id:\s*(<[^>\r\n]+>)/im;
const SUBJECT = /^subject:\s*(.*)$/im;

export async function createFaultSmtpServer(): Promise<FaultSmtpServer> {
  let server: SMTPServer | undefined;
  let refuseRemaining = 0;
  let ackDelayMs = 0;
  const received: DeliveredEmail[] = [];
  const faults = { refused: 0, delayed: 0 };
  let held = 0;
  const port = await freePort();

  const countsByMessageId = () => {
    const counts = new Map<string, number>();
    for (const email of received) counts.set(email.messageId, (counts.get(email.messageId) ?? 0) + 1);
    return counts;
  };

  return {
    port,
    url: () => `smtp://127.0.0.1:${port}`,
    received,
    faults,
    heldAcks: () => held,
    countsByMessageId,
    duplicates: () => [...countsByMessageId().values()].reduce((sum, count) => sum + count - 1, 0),
    refuseNext(count) {
      refuseRemaining = count;
    },
    delayDataAck(ms) {
      ackDelayMs = ms;
    },
    async start() {
      if (server) throw new Error('the fault SMTP server is already running');
      const started = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        closeTimeout: 1_000,
        // Long enough for a held acknowledgement: the server must not hang up first.
        socketTimeout: 120_000,
        onRcptTo(_address, _session, callback) {
          if (refuseRemaining > 0) {
            refuseRemaining -= 1;
            faults.refused += 1;
            callback(Object.assign(new Error('4.3.2 service busy, try again later'), { responseCode: 451 }));
            return;
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', callback);
          stream.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            const accept = () => {
              received.push({
                messageId: MESSAGE_ID.exec(raw)?.[1] ?? `(no Message-ID #${received.length + 1})`,
                to: session.envelope.rcptTo.map((recipient) => recipient.address),
                subject: SUBJECT.exec(raw)?.[1]?.trim() ?? '',
                receivedAt: Date.now(),
              });
              callback();
            };
            if (ackDelayMs > 0) {
              faults.delayed += 1;
              held += 1;
              setTimeout(() => {
                held -= 1;
                accept();
              }, ackDelayMs);
            } else {
              accept();
            }
          });
        },
      });
      // A client that dies mid-session (a SIGKILLed worker) resets its connection: smtp-server
      // reports that as the server's 'error', which without a listener would end this process.
      started.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        started.server.once('error', reject);
        started.listen(port, '127.0.0.1', () => {
          started.server.off('error', reject);
          resolve();
        });
      });
      server = started;
    },
    async stop() {
      const stopping = server;
      server = undefined;
      if (stopping) await new Promise<void>((resolve) => stopping.close(() => resolve()));
    },
  };
}
