import { createHash } from 'node:crypto';
import { idText, isRecord } from '../../ingest/sources/adapter.ts';
import type { SourceName } from '../../ingest/sources/index.ts';

/** Longer ids are kept as their digest, so a sender cannot bloat the event key. */
const MAX_EVENT_ID_LENGTH = 200;

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * What a delivery is deduplicated on, per source: Standard Webhooks' signed `webhook-id`,
 * Delighted's `event_id`; Wootric, AskNicely and Retently send no event id, so the digest of
 * the raw body stands for one and an identical redelivery is recognised.
 */
export function deliveryEventId(source: SourceName, raw: Buffer, payload: unknown, signedEventId: string | null): string {
  const given = signedEventId ?? (source === 'delighted' && isRecord(payload) ? idText(payload.event_id) : null);
  if (given === null) return sha256(raw);
  return given.length <= MAX_EVENT_ID_LENGTH ? given : sha256(given);
}
