// The load side of bench/webhooks.bench.ts and bench/wave.bench.ts, in its own process so the
// server under test has the parent's event loop to itself: autocannon POSTs /webhooks/generic,
// for `seconds` or `amount` requests, each a new event (its own webhook-id, response id and
// Standard Webhooks signature) for one of the seeded users, request n for user 1 + n mod users.
// Writes the response id of every request answered 2xx to `acceptedFile`, one per line, and
// prints autocannon's figures as one JSON line.
import fs from 'node:fs';
import autocannon from 'autocannon';
import { standardWebhookHeaders } from '../../api/webhooks/sign-standard-webhook.ts';
import type { DriveOptions } from './webhook-load.ts';

const options = JSON.parse(process.argv[2] ?? 'null') as DriveOptions | null;
if (!options) throw new Error('usage: drive-webhooks.ts <options as JSON>');
const length = options.amount === undefined ? { duration: options.seconds } : { amount: options.amount };

let sequence = 0;
const accepted: string[] = [];

const result = await autocannon({
  url: `${options.url}/webhooks/generic`,
  method: 'POST',
  connections: options.connections,
  ...length,
  headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
  requests: [
    {
      // One request in flight per connection (no pipelining), so the connection's context names
      // the request its response answers.
      setupRequest: (request, context) => {
        const n = ++sequence;
        const id = `${options.runId}-${n}`;
        const user = 1 + (n % options.users);
        const body = JSON.stringify({
          id,
          email: `user${user}@example.com`,
          score: options.scores === 'fixed per user' ? (user * 7) % 11 : n % 11,
          respondedAt: new Date(Date.now() - 60_000).toISOString(),
          comment: n % 5 === 0 ? `bench comment ${n}` : null,
        });
        (context as { responseId?: string }).responseId = id;
        return { ...request, body, headers: { ...request.headers, ...standardWebhookHeaders(options.secret, body, { id: `msg_${id}` }) } };
      },
      onResponse: (status, _body, context) => {
        const id = (context as { responseId?: string }).responseId;
        if (status >= 200 && status < 300 && id !== undefined) accepted.push(id);
      },
    },
  ],
});

fs.writeFileSync(options.acceptedFile, accepted.join('\n'));
console.log(
  JSON.stringify({
    requests: result.requests.total,
    req_per_s: result.requests.average,
    '2xx': result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency_ms: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
    status_codes: result.statusCodeStats,
  }),
);
