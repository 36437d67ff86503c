import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { type DrainPass, drainDerivedStateChanges } from '../derived-state/drain-derived-state-changes.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { startPollingLoop } from './polling-loop.ts';

/** The longest a drainer that found the database unreachable waits before trying again. */
const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps account NPS, health and lists in step with stored responses, within about `intervalMs`
 * plus one pass: every worker process runs one, each account is refreshed by one at a time, and
 * no journey waits for it.
 */
export function startDerivedStateDrainer(
  db: Kysely<Database>,
  npsSettings: () => NpsSettingsAt,
  {
    // Long enough that a pass in a wave takes many accounts at once (a pass of 10 costs little
    // more than a pass of one), short enough that figures stay about a second behind.
    intervalMs = 1_000,
    // Accounts per pass: one transaction, so a pass on PGlite's single connection stays short.
    limit = 100,
    onPass = (_pass: DrainPass) => {},
    onError = (error: unknown) => console.error(`derived-state drainer: a pass failed, the next one retries (${String(error)})`),
  } = {},
): { stop(): Promise<void> } {
  return startPollingLoop(
    async () => {
      const pass = await drainDerivedStateChanges(db, npsSettings(), { limit });
      if (pass.accounts > 0) onPass(pass);
      return pass.accounts === limit ? 'more' : 'done';
    },
    { intervalMs, maxBackoffMs: MAX_BACKOFF_MS, onError },
  );
}
