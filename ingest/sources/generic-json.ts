import { z } from 'zod';
import {
  fieldValue,
  formatPayloadPath,
  invalidPayload,
  isRecord,
  objectError,
  type AdapterOutcome,
  type SourceAdapter,
} from './adapter.ts';
import { derivedId, emailIdPart } from './derived-id.ts';

const SOURCE = 'generic';

/** Bounds one request; larger histories go through the CSV / JSONL backfill. */
export const MAX_GENERIC_BATCH_SIZE = 1000;

/** npsloop's own documented form: `{ id?, email, score, respondedAt, comment?, source? }`. */
const genericResponseSchema = z.looseObject(
  {
    id: fieldValue,
    email: fieldValue,
    score: fieldValue,
    respondedAt: fieldValue,
    comment: fieldValue,
    // Names the tool the answer came from; it scopes `id`, so it is checked here, not left to normalisation.
    source: z
      .string({ error: 'must be text' })
      .trim()
      .min(1, { error: 'must not be blank' })
      .max(100, { error: 'must be at most 100 characters' })
      .nullish(),
  },
  { error: objectError },
);

const genericListSchema = z
  .array(z.unknown(), { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list') })
  .max(MAX_GENERIC_BATCH_SIZE, { error: `must hold at most ${MAX_GENERIC_BATCH_SIZE} responses` });

const genericBatchSchema = z.looseObject({ responses: genericListSchema }, { error: objectError });

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function parseGenericResponse(payload: unknown, basePath: readonly PropertyKey[]): AdapterOutcome {
  const parsed = genericResponseSchema.safeParse(payload);
  if (!parsed.success) return invalidPayload(parsed.error, null, basePath);
  const body = parsed.data;
  const pathOf = (field: string) => formatPayloadPath([...basePath, field]);
  const source = body.source ?? SOURCE;
  // Without an id, re-sending the same answer must land on the same response.
  const hasId = !isBlank(body.id);
  return {
    kind: 'response',
    candidate: {
      source,
      sourceResponseId: hasId ? body.id : derivedId([source, emailIdPart(body.email), body.respondedAt]),
      email: body.email,
      score: body.score,
      comment: body.comment,
      respondedAt: body.respondedAt,
    },
    paths: {
      sourceResponseId: hasId ? pathOf('id') : undefined,
      email: pathOf('email'),
      score: pathOf('score'),
      comment: pathOf('comment'),
      respondedAt: pathOf('respondedAt'),
      ...(body.source ? { source: pathOf('source') } : {}),
    },
    // The body has no delivery id of its own; a signed request's `webhook-id` header is the one to dedupe on.
    eventId: null,
    isUpdate: false,
  };
}

/** One response in npsloop's generic JSON form. */
export const genericJsonAdapter: SourceAdapter = {
  source: SOURCE,
  parse(payload): AdapterOutcome {
    return parseGenericResponse(payload, []);
  },
};

/**
 * One response object, a list of them, or `{ responses: [...] }`: one outcome per response, with
 * paths like `[3].score` or `responses[3].score`.
 */
export function parseGenericBatch(body: unknown): AdapterOutcome[] {
  if (Array.isArray(body)) {
    const list = genericListSchema.safeParse(body);
    if (!list.success) return [invalidPayload(list.error, null)];
    return list.data.map((item, index) => parseGenericResponse(item, [index]));
  }
  if (!isRecord(body) || !Object.hasOwn(body, 'responses')) return [parseGenericResponse(body, [])];
  const batch = genericBatchSchema.safeParse(body);
  if (!batch.success) return [invalidPayload(batch.error, null)];
  return batch.data.responses.map((item, index) => parseGenericResponse(item, ['responses', index]));
}
