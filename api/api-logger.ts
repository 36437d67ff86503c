import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs for the API, one line per event, each request's lines carrying its
 * `reqId`. Tokens never reach a log: not the Authorization header, not the `token` query
 * parameter webhook senders may use, not the shared-secret header.
 */
export function createApiLogger(level: string, destination: string | 'stdout' = 'stdout'): Logger {
  return pino(
    {
      level,
      redact: ['req.headers.authorization', 'req.headers["x-npsloop-secret"]'],
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: req.url.replace(/([?&]token=)[^&]*/g, '$1[REDACTED]'),
          remoteAddress: req.ip,
        }),
      },
    },
    destination === 'stdout' ? pino.destination(1) : pino.destination({ dest: destination, mkdir: true, sync: false }),
  );
}
