/*
 * PostgreSQL stores text as UTF-8, which cannot encode an unpaired UTF-16 surrogate: half of an
 * emoji that a sender cut in two, which JSON can carry as "\ud83d". A text column takes one as
 * U+FFFD, but jsonb refuses it and fails the whole statement. So text is made well-formed where
 * it is parsed, as a UTF-8 decoder does with bytes it cannot read: each unpaired surrogate
 * becomes U+FFFD, the replacement character (String.prototype.toWellFormed).
 */

function isJsonContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}

/**
 * A parsed JSON document with every string and key well-formed. Changed in place (a fresh parse
 * is the caller's own) and returned; iterative, so any depth is safe. Anything but plain objects,
 * arrays and strings is left as it is.
 */
export function withWellFormedText<T>(document: T): T {
  if (typeof document === 'string') return document.toWellFormed() as T;
  const stack: unknown[] = [document];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (!isJsonContainer(node)) continue;
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      const fixed = typeof value === 'string' ? value.toWellFormed() : value;
      const fixedKey = key.toWellFormed();
      if (fixedKey !== key) delete (node as Record<string, unknown>)[key];
      if (fixedKey !== key || fixed !== value) Object.defineProperty(node, fixedKey, { value: fixed, enumerable: true, writable: true, configurable: true });
      stack.push(fixed);
    }
  }
  return document;
}
