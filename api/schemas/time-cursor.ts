import { z } from 'zod';

/**
 * A place in a list ordered by time, then by a key that breaks ties: the last item of a page.
 * Sent as an opaque cursor, so a client passes it back unchanged.
 */
export interface TimeCursor {
  at: Date;
  key: string;
}

export function encodeTimeCursor({ at, key }: TimeCursor): string {
  return Buffer.from(JSON.stringify([at.toISOString(), key])).toString('base64url');
}

function decodeTimeCursor(cursor: string): TimeCursor | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [at, key] = decoded as unknown[];
    if (typeof at !== 'string' || typeof key !== 'string' || !z.iso.datetime().safeParse(at).success) return undefined;
    return { at: new Date(at), key };
  } catch {
    return undefined;
  }
}

/** The `cursor` query field: the nextCursor of the previous page, decoded. */
export const timeCursorQueryField = z
  .string()
  .transform((cursor, context) => {
    const decoded = decodeTimeCursor(cursor);
    if (decoded) return decoded;
    context.addIssue({ code: 'custom', message: 'is not a cursor this API gave: pass the nextCursor of the previous page unchanged' });
    return z.NEVER;
  })
  .optional()
  .describe('the nextCursor of the previous page');
