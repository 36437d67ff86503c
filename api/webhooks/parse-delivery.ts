import { assertJsonDepth } from '../reject-deep-json.ts';
import { assertNoNul } from '../reject-nul-characters.ts';
import { ApiError } from '../api-error.ts';

export const JSON_MEDIA_TYPE = 'application/json';
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** A webhook body as it arrived: its bytes are what the signature covers. */
export interface RawDelivery {
  mediaType: typeof JSON_MEDIA_TYPE | typeof FORM_MEDIA_TYPE;
  raw: Buffer;
}

/**
 * The payload of a verified delivery. A form body (Wootric's other format) becomes its flat
 * `response[score]` fields, which the Wootric adapter nests. JSON nested deeper than
 * MAX_JSON_DEPTH and keys named `__proto__` are refused, as Fastify's own JSON parser does.
 */
export function parseDeliveryBody(delivery: RawDelivery | undefined): unknown {
  const text = delivery?.raw.toString('utf8') ?? '';
  if (delivery?.mediaType === FORM_MEDIA_TYPE) return assertNoNul(Object.fromEntries(new URLSearchParams(text)));
  if (text.trim() === '') throw new ApiError(400, 'malformed_json', 'the body is empty; expected a JSON payload');
  let payload: unknown;
  try {
    // Without a reviver, which V8 runs recursively: this parse is safe at any nesting.
    payload = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  assertJsonDepth(payload);
  if (hasPrototypeKey(payload)) throw new ApiError(400, 'malformed_json', 'the body is not valid JSON: a "__proto__" key is not allowed');
  return assertNoNul(payload);
}

/** Recursive, but only ever over a payload whose depth is checked. */
function hasPrototypeKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => key === '__proto__' || hasPrototypeKey(item));
}
