import { withWellFormedText } from '../../db/well-formed-text.ts';
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
 * `response[score]` fields, which the Wootric adapter nests. JSON keys named `__proto__` are
 * refused, as Fastify's own JSON parser does; unpaired surrogates become U+FFFD (db/well-formed-text.ts).
 */
export function parseDeliveryBody(delivery: RawDelivery | undefined): unknown {
  const text = delivery?.raw.toString('utf8') ?? '';
  if (delivery?.mediaType === FORM_MEDIA_TYPE) return assertNoNul(Object.fromEntries(new URLSearchParams(text)));
  if (text.trim() === '') throw new ApiError(400, 'malformed_json', 'the body is empty; expected a JSON payload');
  let payload: unknown;
  try {
    payload = JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__') throw new SyntaxError('a "__proto__" key is not allowed');
      return value;
    });
  } catch (error) {
    throw new ApiError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  return withWellFormedText(assertNoNul(payload));
}
