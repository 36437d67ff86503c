import { ApiError } from './api-error.ts';

/** The version a change was made from, as If-Match carries it ("3", W/"3" or 3); undefined without one. */
export function versionFromIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch);
  if (!match) throw new ApiError(400, 'invalid_request', 'If-Match must be the version the change was made from, e.g. "3"', [{ path: 'headers.if-match', message: 'must be a version such as "3"' }]);
  return Number(match[1]);
}
