import { withWellFormedText } from '../../db/well-formed-text.ts';
import { assertJsonDepth } from '../reject-deep-json.ts';
import { assertNoNul } from '../reject-nul-characters.ts';
import { ApiError } from '../api-error.ts';
import { prototypeKeyPath } from '../schemas/json-documents.ts';

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
 * MAX_JSON_DEPTH is refused, and so are keys that could reach Object.prototype (`__proto__`,
 * `constructor.prototype`), at their path, as in every JSON document the API takes; unpaired
 * surrogates become U+FFFD (db/well-formed-text.ts).
 */
export function parseDeliveryBody(delivery: RawDelivery | undefined): unknown {
  const text = delivery?.raw.toString('utf8') ?? '';
  if (delivery?.mediaType === FORM_MEDIA_TYPE) return assertNoNul(Object.fromEntries(new URLSearchParams(text)));
  const malformed = (message: string, issue: { path: string; message: string }) => new ApiError(400, 'malformed_json', message, [issue]);
  if (text.trim() === '') throw malformed('the body is empty; expected a JSON payload', { path: 'body', message: 'is empty; expected a JSON payload' });
  let payload: unknown;
  try {
    // Without a reviver, which V8 runs recursively: this parse is safe at any nesting.
    payload = JSON.parse(text);
  } catch (error) {
    const { message } = error as Error;
    throw malformed(`the body is not valid JSON: ${message}`, { path: 'body', message });
  }
  assertJsonDepth(payload);
  // Iterative, like the depth check: a JSON.parse reviver would recurse.
  const path = prototypeKeyPath(payload);
  if (path !== null) {
    throw malformed('the body holds a key that is never allowed', {
      path: `body${path.slice(1)}`,
      message: 'is not allowed: __proto__ and constructor.prototype could change how objects behave',
    });
  }
  return withWellFormedText(assertNoNul(payload));
}
