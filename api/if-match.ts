import { ApiError } from './api-error.ts';

/** The version a change was made from, as If-Match carries it ("3", W/"3" or 3); undefined without one. */
export function versionFromIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch);
  if (!match) throw new ApiError(400, 'invalid_request', 'If-Match must be the version the change was made from, e.g. "3"', [{ path: 'headers.if-match', message: 'must be a version such as "3"' }]);
  return Number(match[1]);
}

/** The version a change was made from: If-Match ("3", W/"3" or 3) or the body's expectedVersion, which must agree. */
export function expectedVersionOf(ifMatch: string | undefined, field: number | undefined): number | undefined {
  const header = versionFromIfMatch(ifMatch);
  if (header !== undefined && field !== undefined && header !== field) {
    throw new ApiError(400, 'invalid_request', `If-Match says version ${header} but expectedVersion says ${field}; send one`, [
      { path: 'body.expectedVersion', message: `disagrees with If-Match (${header})` },
    ]);
  }
  return header ?? field;
}
