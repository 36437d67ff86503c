import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';

/** What bench/support/drive-webhooks.ts sends, passed to it as JSON. */
export interface DriveOptions {
  url: string;
  token: string;
  /** The Standard Webhooks secret, `whsec_<base64 key>`. */
  secret: string;
  /** How long to send for, or else `amount`: how many requests to send. */
  seconds?: number;
  amount?: number;
  connections: number;
  /** Users user1@example.com … user<users>@example.com exist on the instance. */
  users: number;
  /**
   * 'varied': request n scores n mod 11. 'fixed per user': user u always scores (u × 7) mod 11, so
   * each user has one category whatever their answers, as in a wave (bench/wave.bench.ts).
   */
  scores: 'varied' | 'fixed per user';
  /** Prefixes every response id, so the run's rows can be told apart. */
  runId: string;
  acceptedFile: string;
}

/** autocannon's figures, as the driver prints them. */
export interface DriveResult {
  requests: number;
  req_per_s: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency_ms: { p50: number; p97_5: number; p99: number; max: number };
  status_codes?: Record<string, { count?: number }>;
}

/** Runs the load driver in a second process, stopped after `timeoutMs` or by `signal`, and returns its figures. */
export async function driveWebhooks(options: DriveOptions, { timeoutMs, signal }: { timeoutMs: number; signal: AbortSignal }): Promise<DriveResult> {
  const driver = fileURLToPath(new URL('./drive-webhooks.ts', import.meta.url));
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', driver, JSON.stringify(options)], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: timeoutMs,
      signal,
    }));
  } catch (error) {
    // Not the command line: it carries the token and the secret.
    const { killed, code, signal: killedBy, stderr } = error as { killed?: boolean; code?: number | string; signal?: string | null; stderr?: string };
    const how = killed ? `was stopped after ${timeoutMs / 1000} s` : killedBy ? `died of ${killedBy}` : `failed (${code})`;
    throw new Error(`the load driver (bench/support/drive-webhooks.ts) ${how}${stderr?.trim() ? `:\n${stderr.trim()}` : ''}`, { cause: error });
  }
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(lastLine) as DriveResult;
  } catch {
    throw new Error(`the load driver printed no result; its last line was ${JSON.stringify(lastLine)}`);
  }
}

/** How many of these generic-webhook response ids are stored, asked in chunks that stay under the bind-parameter limit. */
export async function countStored(db: Kysely<Database>, responseIds: string[]): Promise<number> {
  let stored = 0;
  for (let i = 0; i < responseIds.length; i += 10_000) {
    const chunk = responseIds.slice(i, i + 10_000);
    const row = await db
      .selectFrom('nps_responses')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('source', '=', 'generic')
      .where('source_response_id', 'in', chunk)
      .executeTakeFirstOrThrow();
    stored += Number(row.n);
  }
  return stored;
}
