import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { inTransaction } from '../db/in-transaction.ts';
import { refreshStandardSnapshots } from '../db/queries/account-nps.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import type { UpsertedResponse } from '../db/queries/nps-responses.ts';
import { createNormalizer } from './response-shape.ts';
import type { AdapterOutcome } from './sources/adapter.ts';
import { parseGenericBatch } from './sources/generic-json.ts';
import { type SourceName, sourceAdapters } from './sources/index.ts';
import { defaultRetentlyFieldMapping, type RetentlyFieldMapping } from './sources/retently.ts';
import { type IngestItem, type Rejection, storeBatch } from './store-batch.ts';

export interface IngestSettings extends NpsSettingsAt {
  /** Where each field sits in the customer's Retently webhook template. */
  retentlyMapping?: RetentlyFieldMapping;
}

export interface PayloadIngestResult {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: Rejection[];
  /** Payloads that were well-formed but carried no score (unsubscribes, dismissals, other survey types). */
  ignored: { index: number; reason: string }[];
  changed: UpsertedResponse[];
  touchedAccountIds: number[];
}

/**
 * Takes raw webhook payloads from one survey tool through the whole ingest path: the vendor's
 * adapter, validation, the idempotent store, and the NPS snapshots of the accounts it touched.
 */
export async function ingestPayloads(
  db: Kysely<Database>,
  source: SourceName,
  payloads: readonly unknown[],
  settings: IngestSettings,
): Promise<PayloadIngestResult> {
  const result = await storePayloads(db, source, payloads, settings);
  await refreshStandardSnapshots(db, result.touchedAccountIds, settings);
  return result;
}

/**
 * The storing half of `ingestPayloads`, in one transaction (the caller's, when `db` is one, so a
 * webhook delivery's record commits with its responses). Derived state is left to the caller:
 * the response workflows it requests refresh it too.
 */
export async function storePayloads(
  db: Kysely<Database>,
  source: SourceName,
  payloads: readonly unknown[],
  settings: IngestSettings,
): Promise<PayloadIngestResult> {
  const normalize = createNormalizer({ now: settings.now, timeZone: settings.timeZone });
  const bySource = new Map<string, IngestItem[]>();
  const ignored: PayloadIngestResult['ignored'] = [];
  const add = (itemSource: string, item: IngestItem) => bySource.set(itemSource, [...(bySource.get(itemSource) ?? []), item]);

  payloads.forEach((payload, index) => {
    for (const outcome of parse(source, payload, settings)) {
      if (outcome.kind === 'ignored') {
        ignored.push({ index, reason: outcome.reason });
      } else if (outcome.kind === 'invalid') {
        add(source, { ok: false, issues: outcome.issues, payload });
      } else {
        const normalized = normalize(outcome.candidate, outcome.paths);
        add(
          outcome.candidate.source,
          normalized.ok
            ? { ok: true, response: normalized.response, payload }
            : { ok: false, issues: normalized.issues, payload, email: normalized.email, sourceResponseId: normalized.sourceResponseId },
        );
      }
    }
  });

  const result: PayloadIngestResult = {
    received: payloads.length, inserted: 0, updated: 0, unchanged: 0, rejected: [], ignored, changed: [], touchedAccountIds: [],
  };
  await inTransaction(db, async (trx) => {
    for (const [itemSource, items] of bySource) {
      const stored = await storeBatch(trx, itemSource, items, settings.now);
      result.inserted += stored.inserted;
      result.updated += stored.updated;
      result.unchanged += stored.unchanged;
      result.rejected.push(...stored.rejected);
      result.changed.push(...stored.changed);
    }
  });
  result.touchedAccountIds = [...new Set(result.changed.map((r) => r.accountId))];
  return result;
}

function parse(source: SourceName, payload: unknown, settings: IngestSettings): AdapterOutcome[] {
  switch (source) {
    case 'generic':
      return parseGenericBatch(payload);
    case 'retently':
      return [sourceAdapters.retently.parse(payload, settings.retentlyMapping ?? defaultRetentlyFieldMapping)];
    default:
      return [sourceAdapters[source].parse(payload)];
  }
}
