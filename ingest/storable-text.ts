/**
 * PostgreSQL text and jsonb cannot hold U+0000. What the rejection log keeps of a rejected
 * payload shows each NUL as U+2400 (␀, the symbol for NUL) instead, so the row can be stored
 * and a reader still sees where the NUL was; the rejection's issue names the field that held it.
 */
export const NUL_STAND_IN = '\u2400';

export function storableText<T extends string | null>(text: T): T {
  return (text === null ? null : text.replaceAll('\u0000', NUL_STAND_IN)) as T;
}

/** JSON text of `value` for a jsonb column, NULs shown as ␀ (keys too). */
export function storableJson(value: unknown): string {
  // JSON.stringify writes NUL as the escape \u0000; an escaped backslash before "u0000" is
  // matched first, so a literal "\u0000" text is left as it was.
  return JSON.stringify(value).replace(/\\\\|\\u0000/g, (escape) => (escape === '\\u0000' ? NUL_STAND_IN : escape));
}
