/** Where the web app opens when a sign-in link names nowhere else. */
export const APP_HOME = '/app/';

/**
 * `next` when it is a path of the web app on this origin (under /app/), else undefined. A link
 * must never send a signed-in browser elsewhere: `//evil.com` and `/\evil.com` are other hosts to
 * a browser, and a scheme or a control character has no business in a path.
 */
export function appPath(next: string): string | undefined {
  if (!next.startsWith(APP_HOME) || /[\\\u0000-\u001f\u007f]/.test(next)) return undefined;
  const base = 'http://npsloop.invalid';
  const url = new URL(next, base);
  if (url.origin !== base || !url.pathname.startsWith(APP_HOME)) return undefined;
  return url.pathname + url.search + url.hash;
}
