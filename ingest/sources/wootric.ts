import { z } from 'zod';
import {
  fieldValue,
  idText,
  invalidPayload,
  isRecord,
  objectError,
  textError,
  type AdapterOutcome,
  type SourceAdapter,
} from './adapter.ts';
import { derivedId } from './derived-id.ts';

const SOURCE = 'wootric';

const responseEventSchema = z.looseObject(
  {
    event_name: z.string({ error: textError }),
    // "NPS", "CSAT" or "CES"; older payloads leave it out and were NPS.
    survey_mode: z.string({ error: textError }).optional(),
    response: z.looseObject(
      {
        id: fieldValue,
        email: fieldValue,
        score: fieldValue,
        text: fieldValue,
        created_at: fieldValue,
        updated_at: fieldValue,
        excluded_from_calculations: fieldValue,
      },
      { error: objectError },
    ),
  },
  { error: objectError },
);

const declineEventSchema = z.looseObject(
  {
    event_name: z.string({ error: textError }),
    decline: z.looseObject({ id: fieldValue, updated_at: fieldValue }, { error: objectError }),
  },
  { error: objectError },
);

// A form field named `response[__proto__][x]` must not write into Object.prototype.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Wootric's form-encoded deliveries flatten the body into `response[end_user_properties][plan]=…`
 * keys; this rebuilds the nested shape its JSON deliveries have.
 */
function nestFormFields(fields: Iterable<[string, unknown]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    const name = /^[^[\]]+/.exec(key)?.[0];
    if (name === undefined) continue;
    const brackets = Array.from(key.slice(name.length).matchAll(/\[([^[\]]*)\]/g), (match) => match[1] ?? '');
    const segments = [name, ...brackets];
    if (segments.some((segment) => PROTOTYPE_KEYS.has(segment))) continue;
    let container = root;
    for (const segment of segments.slice(0, -1)) {
      const child = container[segment];
      container = isRecord(child) ? child : (container[segment] = {});
    }
    container[segments[segments.length - 1] as string] = value;
  }
  return root;
}

/** Wootric sends no event id: the record's id, the event and the record's update time name one delivery. */
function deliveryId(kind: 'response' | 'decline', record: { id?: unknown; updated_at?: unknown }, eventName: string) {
  return idText(record.id) === null ? null : derivedId([kind, record.id, eventName, record.updated_at]);
}

/** Accepts the JSON body, or a form body as URLSearchParams or as its flat `response[score]` keys. */
function asNestedBody(payload: unknown): unknown {
  if (payload instanceof URLSearchParams) return nestFormFields(payload.entries());
  if (isRecord(payload) && Object.keys(payload).some((key) => key.includes('['))) {
    return nestFormFields(Object.entries(payload));
  }
  return payload;
}

/** Wootric / InMoment webhooks, JSON or form-encoded; values often arrive as strings. */
export const wootricAdapter: SourceAdapter = {
  source: SOURCE,
  parse(payload): AdapterOutcome {
    const body = asNestedBody(payload);
    if (isRecord(body) && body.response === undefined && body.decline !== undefined) {
      const decline = declineEventSchema.safeParse(body);
      if (!decline.success) return invalidPayload(decline.error, null);
      const eventId = deliveryId('decline', decline.data.decline, decline.data.event_name);
      return { kind: 'ignored', reason: 'a declined survey carries no score', eventId };
    }
    const parsed = responseEventSchema.safeParse(body);
    if (!parsed.success) return invalidPayload(parsed.error, null);
    const { event_name: eventName, survey_mode: surveyMode, response } = parsed.data;
    const eventId = deliveryId('response', response, eventName);
    if (eventName !== 'created' && eventName !== 'updated') {
      return { kind: 'ignored', reason: `event ${eventName} is not a response being created or updated`, eventId };
    }
    if (surveyMode !== undefined && surveyMode.toUpperCase() !== 'NPS') {
      return { kind: 'ignored', reason: `survey mode ${surveyMode} is not NPS`, eventId };
    }
    return {
      kind: 'response',
      candidate: {
        source: SOURCE,
        sourceResponseId: response.id,
        email: response.email,
        score: response.score,
        comment: response.text,
        respondedAt: response.created_at,
        excluded: response.excluded_from_calculations,
      },
      paths: {
        sourceResponseId: 'response.id',
        email: 'response.email',
        score: 'response.score',
        comment: 'response.text',
        respondedAt: 'response.created_at',
        excluded: 'response.excluded_from_calculations',
      },
      eventId,
      isUpdate: eventName === 'updated',
    };
  },
};
