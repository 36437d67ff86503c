import { createHash } from 'node:crypto';

const DERIVED_ID_PREFIX = 'derived:';
const DERIVED_ID_HEX_LENGTH = 24;

/**
 * A stable id for sources that send none: the same parts always give the same id, so a
 * re-delivered payload dedupes. The prefix marks it as ours, not the vendor's.
 */
export function derivedId(parts: readonly unknown[]): string {
  // JSON keeps ["a|b", "c"] and ["a", "b|c"] apart, and the number 5 and the string "5" together.
  const text = JSON.stringify(parts.map((part) => (typeof part === 'number' ? String(part) : part)));
  return DERIVED_ID_PREFIX + createHash('sha256').update(text).digest('hex').slice(0, DERIVED_ID_HEX_LENGTH);
}

/** An email as a derived-id part, folded like the stored email so a re-send in other case dedupes. */
export function emailIdPart(email: unknown): unknown {
  return typeof email === 'string' ? email.trim().toLowerCase() : email;
}
