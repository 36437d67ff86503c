import { z } from 'zod';

/** What a change to a versioned document (a rule, a journey) carries besides the document itself. */

/** The If-Match header of a change; `etagOf` names where the client read the version, e.g. "GET /rules/{name}". */
export const ifMatchHeadersOf = (etagOf: string) =>
  z.looseObject({
    'if-match': z.string().max(100).optional().describe(`the version the change was made from, e.g. "3" (the ETag of ${etagOf})`),
  });

export const expectedVersionField = z.number().int().min(1).optional().describe('the version the change was made from; or send If-Match');

export const noteField = z.string().max(1000).optional().describe('why, kept in the history');
