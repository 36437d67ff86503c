import path from 'node:path';
import { z } from 'zod';
import { IANAZone } from 'luxon';
import { cidrOf, type IpRange, ipRangeList } from './ip-ranges.ts';

const positiveInt = z.coerce.number().int().positive();

// The SDK takes 0 (no cache: every workflow task replays the history) or at least 2.
const workflowCacheSizeExpected = 'a whole number: 0 (no cache, every workflow task replays its history) or at least 2';
const workflowCacheSize = z.coerce
  .number({ error: workflowCacheSizeExpected })
  .int({ error: workflowCacheSizeExpected })
  .refine((size) => size === 0 || size >= 2, workflowCacheSizeExpected);

const timeZone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone such as "Europe/Paris" or "UTC"');

const postgresUrl = z
  .string()
  .refine((url) => /^postgres(ql)?:\/\//.test(url), 'a PostgreSQL URL such as postgres://user:pass@host:5432/db');

// Host, port and credentials only: options in a query string would be applied by nodemailer
// behind the transport settings npsloop relies on (no pooling, short timeouts).
const smtpUrl = z.string().refine((value) => {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
}, 'an SMTP URL such as smtp://user:pass@mail.example.com:587 or smtps://mail.example.com:465, without path or query');

// One mailbox, bare or with a display name; no line breaks, which would inject headers.
const mailbox = z
  .string()
  .refine((value) => /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(value.trim()), 'a sender such as "npsloop <npsloop@example.com>" or npsloop@example.com');

// A survey tool's own signing secret: whatever the vendor's webhook settings show.
const vendorSecret = z.string().min(1, { error: "the signing secret from the survey tool's webhook settings" });

// Sent back verbatim (a header, Basic credentials, Retently's body), so it is the only thing between
// the internet and the ingest path.
const sharedSecret = z.string().min(16, { error: 'a secret of at least 16 characters, which the survey tool sends back with each delivery' });

// Standard Webhooks: "whsec_" and the base64 of a 24 to 64 byte key (what its libraries generate).
const standardWebhooksSecret = z.string().refine((value) => {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  const bytes = match ? Buffer.from(match[1] as string, 'base64').length : 0;
  return bytes >= 24 && bytes <= 64;
}, 'a Standard Webhooks secret: "whsec_" followed by the base64 of 24 to 64 random bytes');

// People who may sign in to the web app as admin: addresses as mail clients type them, any case.
const adminEmails = z
  .string()
  .transform((value) => value.split(',').map((address) => address.trim().toLowerCase()).filter((address) => address !== ''))
  .pipe(z.array(z.email({ pattern: z.regexes.html5Email, error: 'email addresses separated by commas, such as ops@acme.com,lee@acme.com' })).min(1, { error: 'at least one email address' }));

/** Who signs in as admin on an embedded instance when nobody is configured: its sign-in emails land in the outbox. */
export const EMBEDDED_ADMIN_EMAIL = 'admin@localhost';

const WEBHOOK_SOURCES = ['delighted', 'wootric', 'asknicely', 'retently', 'generic'] as const;
type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

/** Every setting npsloop reads from the environment, with its embedded default. */
export const environmentSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  NPSLOOP_DB_PREPARED_STATEMENTS: z.enum(['true', 'false'], { error: 'true or false' }).default('true'),
  NPSLOOP_DATA_DIR: z.string().min(1).default('.data'),
  NPSLOOP_TIME_ZONE: timeZone.default('UTC'),
  NPSLOOP_NPS_COUNTING: z.enum(['every_response', 'latest_per_user']).default('every_response'),
  NPSLOOP_HISTORY_MONTHS: positiveInt.default(6),
  NPSLOOP_REPORT_MIN_RESPONSES: positiveInt.default(5),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('npsloop'),
  TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: workflowCacheSize.optional(),
  TEMPORAL_WORKER_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false'], { error: 'true or false' }).default('false'),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_DEV_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(7233),
  TEMPORAL_DEV_SERVER_UI_PORT: z.coerce.number().int().min(0).max(65535).default(8233),
  NPSLOOP_TEMPORAL_UI_URL: z.url({ protocol: /^https?$/, error: "the Temporal UI's http(s) address, such as https://temporal.example.com" }).optional(),
  NPSLOOP_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL where recipients reach npsloop, such as https://nps.example.com' }).optional(),
  NPSLOOP_LINK_SECRET: z.string().min(32, { error: 'a secret of at least 32 characters for signing review links' }).optional(),
  SMTP_URL: smtpUrl.optional(),
  NPSLOOP_MAIL_FROM: mailbox.default('npsloop <npsloop@localhost>'),
  NPSLOOP_CUSTOMER_MAIL_FROM: mailbox.optional(),
  NPSLOOP_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  NPSLOOP_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  NPSLOOP_TRUSTED_PROXIES: ipRangeList.optional(),
  NPSLOOP_ADMIN_EMAILS: adminEmails.optional(),
  NPSLOOP_SESSION_HOURS: z.coerce.number({ error: 'a number of hours, such as 12' }).positive({ error: 'a number of hours above 0, such as 12' }).default(12),
  NPSLOOP_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NPSLOOP_WEBHOOK_SECRET_DELIGHTED: vendorSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_WOOTRIC: vendorSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_ASKNICELY: sharedSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_RETENTLY: sharedSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_GENERIC: standardWebhooksSecret.optional(),
  // The secret being replaced, still accepted while the survey tool is switched to the new one.
  NPSLOOP_WEBHOOK_SECRET_DELIGHTED_PREVIOUS: vendorSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_WOOTRIC_PREVIOUS: vendorSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_ASKNICELY_PREVIOUS: sharedSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_RETENTLY_PREVIOUS: sharedSecret.optional(),
  NPSLOOP_WEBHOOK_SECRET_GENERIC_PREVIOUS: standardWebhooksSecret.optional(),
  NPSLOOP_WEBHOOK_ALLOWED_IPS_DELIGHTED: ipRangeList.optional(),
  NPSLOOP_WEBHOOK_ALLOWED_IPS_WOOTRIC: ipRangeList.optional(),
  NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY: ipRangeList.optional(),
  NPSLOOP_WEBHOOK_ALLOWED_IPS_RETENTLY: ipRangeList.optional(),
  NPSLOOP_WEBHOOK_ALLOWED_IPS_GENERIC: ipRangeList.optional(),
}).superRefine((env, context) => {
  for (const source of WEBHOOK_SOURCES) {
    const current = `NPSLOOP_WEBHOOK_SECRET_${source.toUpperCase() as Uppercase<WebhookSource>}` as const;
    const previous = `${current}_PREVIOUS` as const;
    if (env[previous] !== undefined && env[current] === undefined) {
      context.addIssue({ code: 'custom', path: [previous], message: `to be set only beside ${current}, the secret replacing it` });
    }
  }
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  database: { kind: 'postgres'; url: string; preparedStatements: boolean } | { kind: 'pglite'; dataDir: string };
  dataDir: string;
  timeZone: string;
  npsCounting: Environment['NPSLOOP_NPS_COUNTING'];
  historyMonths: number;
  /** A report cell with fewer responses is flagged "not enough responses" (its figure is still given). */
  reportMinimumResponses: number;
  temporal: {
    address: string | undefined;
    namespace: string;
    cliPath: string | undefined;
    testServerPath: string | undefined;
    taskQueue: string;
    /** Workflows the worker keeps in memory between tasks; undefined: the SDK's default, sized from the heap. */
    maxCachedWorkflows: number | undefined;
    /** A workflow bundle built ahead (`bundleWorkflowCode`), so a worker starts without bundling; undefined: bundled at start. */
    workflowBundlePath: string | undefined;
    /** Temporal Cloud: an API key, or mutual TLS with a client certificate. */
    apiKey: string | undefined;
    tls: boolean | { certPath: string; keyPath: string };
    /**
     * The embedded dev server `npm start` runs when no address is set (port 0: any free port); its
     * own output (warnings) goes to `logFile`, not over npm start's printout.
     */
    devServer: { port: number; uiPort: number; dbFile: string; logFile: string };
    /**
     * The Temporal UI that enrollments link to (`/namespaces/<ns>/workflows/<id>`), without a trailing
     * slash; undefined: no links. `npm start` sets it to its embedded dev server's UI when unset.
     */
    uiUrl: string | undefined;
  };
  /** Where recipients' browsers reach npsloop (review links): NPSLOOP_PUBLIC_URL, or this machine on the API's port. */
  publicUrl: string;
  /** No NPSLOOP_PUBLIC_URL: the public URL is the API's own, and moves with its port. */
  publicUrlFollowsPort: boolean;
  /** Signs review links; unset, an embedded instance keeps a generated one in its data folder. */
  linkSecret: string | undefined;
  /** Over SMTP when `smtpUrl` is set, otherwise one `.eml` file per message in `outboxDir`. */
  mail: { smtpUrl?: string; from: string; outboxDir: string; customerFrom: string | undefined };
  /**
   * Where the HTTP API listens (port 0: any free port), and the reverse proxies in front of it whose
   * X-Forwarded-For names the client, as CIDR ranges (none: the client is whoever opened the connection).
   */
  http: { host: string; port: number; trustedProxies: string[] };
  logLevel: Environment['NPSLOOP_LOG_LEVEL'];
  /**
   * Signing in to the web app: who signs in as admin (lower-cased; a CSM's email signs in as that
   * CSM), and how long a session lasts from sign-in, however active.
   */
  signIn: { adminEmails: string[]; sessionHours: number };
  /**
   * What each webhook source's deliveries are checked with: Delighted's and Wootric's HMAC
   * keys, the shared secret AskNicely and Retently send as a header, and the Standard Webhooks
   * key of npsloop's generic form. A source without one takes no deliveries.
   */
  webhookSecrets: Record<WebhookSource, string | undefined>;
  /** The secret each source is being moved off, accepted beside the current one until it is unset. */
  webhookPreviousSecrets: Record<WebhookSource, string | undefined>;
  /** Where each source's deliveries may come from; unset, from anywhere. */
  webhookAllowedAddresses: Record<WebhookSource, IpRange[] | undefined>;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; expected: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  ${p.variable}: expected ${p.expected}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; a bad value throws naming the variable and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '?'),
        expected: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.NPSLOOP_DATA_DIR);
  return {
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, preparedStatements: e.NPSLOOP_DB_PREPARED_STATEMENTS === 'true' }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    timeZone: e.NPSLOOP_TIME_ZONE,
    npsCounting: e.NPSLOOP_NPS_COUNTING,
    historyMonths: e.NPSLOOP_HISTORY_MONTHS,
    reportMinimumResponses: e.NPSLOOP_REPORT_MIN_RESPONSES,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      maxCachedWorkflows: e.TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS,
      workflowBundlePath: e.TEMPORAL_WORKER_WORKFLOW_BUNDLE === undefined ? undefined : path.resolve(e.TEMPORAL_WORKER_WORKFLOW_BUNDLE),
      apiKey: e.TEMPORAL_API_KEY,
      tls:
        e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH
          ? { certPath: e.TEMPORAL_TLS_CERT_PATH, keyPath: e.TEMPORAL_TLS_KEY_PATH }
          : e.TEMPORAL_TLS === 'true' || e.TEMPORAL_API_KEY !== undefined,
      devServer: {
        port: e.TEMPORAL_DEV_SERVER_PORT,
        uiPort: e.TEMPORAL_DEV_SERVER_UI_PORT,
        dbFile: path.join(dataDir, 'temporal.sqlite'),
        logFile: path.join(dataDir, 'logs', 'temporal.log'),
      },
      uiUrl: e.NPSLOOP_TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    },
    publicUrl: e.NPSLOOP_PUBLIC_URL ?? localUrl(e.NPSLOOP_HTTP_PORT),
    publicUrlFollowsPort: e.NPSLOOP_PUBLIC_URL === undefined,
    linkSecret: e.NPSLOOP_LINK_SECRET,
    mail: { smtpUrl: e.SMTP_URL, from: e.NPSLOOP_MAIL_FROM.trim(), outboxDir: path.join(dataDir, 'outbox'), customerFrom: e.NPSLOOP_CUSTOMER_MAIL_FROM?.trim() },
    http: { host: e.NPSLOOP_HTTP_HOST, port: e.NPSLOOP_HTTP_PORT, trustedProxies: (e.NPSLOOP_TRUSTED_PROXIES ?? []).map(cidrOf) },
    logLevel: e.NPSLOOP_LOG_LEVEL,
    signIn: {
      // Like the link secret, an embedded instance works with nothing set; a shared database names its admins.
      adminEmails: e.NPSLOOP_ADMIN_EMAILS ?? (e.DATABASE_URL ? [] : [EMBEDDED_ADMIN_EMAIL]),
      sessionHours: e.NPSLOOP_SESSION_HOURS,
    },
    webhookSecrets: {
      delighted: e.NPSLOOP_WEBHOOK_SECRET_DELIGHTED,
      wootric: e.NPSLOOP_WEBHOOK_SECRET_WOOTRIC,
      asknicely: e.NPSLOOP_WEBHOOK_SECRET_ASKNICELY,
      retently: e.NPSLOOP_WEBHOOK_SECRET_RETENTLY,
      generic: e.NPSLOOP_WEBHOOK_SECRET_GENERIC,
    },
    webhookPreviousSecrets: {
      delighted: e.NPSLOOP_WEBHOOK_SECRET_DELIGHTED_PREVIOUS,
      wootric: e.NPSLOOP_WEBHOOK_SECRET_WOOTRIC_PREVIOUS,
      asknicely: e.NPSLOOP_WEBHOOK_SECRET_ASKNICELY_PREVIOUS,
      retently: e.NPSLOOP_WEBHOOK_SECRET_RETENTLY_PREVIOUS,
      generic: e.NPSLOOP_WEBHOOK_SECRET_GENERIC_PREVIOUS,
    },
    webhookAllowedAddresses: {
      delighted: e.NPSLOOP_WEBHOOK_ALLOWED_IPS_DELIGHTED,
      wootric: e.NPSLOOP_WEBHOOK_ALLOWED_IPS_WOOTRIC,
      asknicely: e.NPSLOOP_WEBHOOK_ALLOWED_IPS_ASKNICELY,
      retently: e.NPSLOOP_WEBHOOK_ALLOWED_IPS_RETENTLY,
      generic: e.NPSLOOP_WEBHOOK_ALLOWED_IPS_GENERIC,
    },
  };
}

/** The API on this machine, as a browser here reaches it. */
export function localUrl(port: number): string {
  return `http://localhost:${port}`;
}

/** The configuration with the API on `port`; a public URL that follows the port follows it. */
export function withHttpPort(config: Config, port: number): Config {
  return { ...config, http: { ...config.http, port }, ...(config.publicUrlFollowsPort ? { publicUrl: localUrl(port) } : {}) };
}
