import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.ts';
import type { Delivery } from './webhook-sender.ts';

export interface StoredResponses {
  /** Database id of each stored response, by the survey tool's response id. */
  ids: Map<string, number>;
  sent: number;
  accepted: number;
  stored: number;
  /** Answered 2xx but not in the database. */
  lost: string[];
  /** Stored more than once (a redelivery must change nothing). */
  duplicates: number;
  /** Stored although never answered 2xx (the process died before answering): taken, not lost. */
  storedUnacknowledged: number;
}

/** What the database holds of the deliveries: every one answered 2xx must be there, once. */
export async function checkStoredResponses(db: Kysely<Database>, deliveries: Delivery[]): Promise<StoredResponses> {
  const rows = [];
  const responseIds = deliveries.map((delivery) => delivery.responseId);
  for (let i = 0; i < responseIds.length; i += 1000) {
    rows.push(
      ...(await db
        .selectFrom('nps_responses')
        .select(['id', 'source_response_id'])
        .where('source', '=', 'generic')
        .where('source_response_id', 'in', responseIds.slice(i, i + 1000))
        .execute()),
    );
  }
  const ids = new Map<string, number>();
  let duplicates = 0;
  for (const row of rows) {
    if (ids.has(row.source_response_id)) duplicates += 1;
    else ids.set(row.source_response_id, row.id);
  }
  const accepted = deliveries.filter((delivery) => delivery.accepted);
  return {
    ids,
    sent: deliveries.length,
    accepted: accepted.length,
    stored: ids.size,
    lost: accepted.filter((delivery) => !ids.has(delivery.responseId)).map((delivery) => delivery.responseId),
    duplicates,
    storedUnacknowledged: deliveries.filter((delivery) => !delivery.accepted && ids.has(delivery.responseId)).length,
  };
}
