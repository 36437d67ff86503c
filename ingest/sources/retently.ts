import { z } from 'zod';
import { idText, invalidPayload, isRecord, objectError, type AdapterOutcome, type SourceAdapter } from './adapter.ts';
import { derivedId, emailIdPart } from './derived-id.ts';

const SOURCE = 'retently';

const PATH_TOKENS = /[^.[\]]+|\[\d+\]/g;

const payloadPathSchema = z.string().regex(/^[^.[\]]+(?:\.[^.[\]]+|\[\d+\])*$/, {
  error: 'must be a dotted path such as "customer.email" or "answers[0].value"',
});

/** Where each field sits in the customer's edited Retently webhook template. */
export const retentlyFieldMappingSchema = z.strictObject({
  email: payloadPathSchema,
  score: payloadPathSchema,
  respondedAt: payloadPathSchema,
  comment: payloadPathSchema.optional(),
  responseId: payloadPathSchema.optional(),
  eventId: payloadPathSchema.optional(),
});

export type RetentlyFieldMapping = z.infer<typeof retentlyFieldMappingSchema>;

/** The field names Retently's own template uses. */
export const defaultRetentlyFieldMapping: RetentlyFieldMapping = {
  email: 'email',
  score: 'score',
  respondedAt: 'createdDate',
  comment: 'comment',
  responseId: 'id',
};

const payloadSchema = z.looseObject({}, { error: objectError });

/** Reads `customer.email` or `answers[0].value`; own properties only, so a path cannot reach a prototype. */
function readPath(payload: unknown, path: string): unknown {
  let current = payload;
  for (const token of path.match(PATH_TOKENS) ?? []) {
    const key = token.startsWith('[') ? token.slice(1, -1) : token;
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isRecord(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

/** Retently webhooks: the body is the customer's template, read through a field mapping. */
export const retentlyAdapter: SourceAdapter<RetentlyFieldMapping> = {
  source: SOURCE,
  parse(payload, mapping): AdapterOutcome {
    const eventId = mapping.eventId === undefined ? null : idText(readPath(payload, mapping.eventId));
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) return invalidPayload(parsed.error, eventId);
    const email = readPath(payload, mapping.email);
    const respondedAt = readPath(payload, mapping.respondedAt);
    return {
      kind: 'response',
      candidate: {
        source: SOURCE,
        // Without a mapped id, the person and the moment they answered name the response.
        sourceResponseId:
          mapping.responseId === undefined
            ? derivedId([emailIdPart(email), respondedAt])
            : readPath(payload, mapping.responseId),
        email,
        score: readPath(payload, mapping.score),
        comment: mapping.comment === undefined ? undefined : readPath(payload, mapping.comment),
        respondedAt,
      },
      paths: {
        sourceResponseId: mapping.responseId,
        email: mapping.email,
        score: mapping.score,
        respondedAt: mapping.respondedAt,
        comment: mapping.comment,
      },
      eventId,
      isUpdate: false,
    };
  },
};
