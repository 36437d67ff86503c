/**
 * The line a CSV record starts on, from the line csv-parse has reached at its end: a quoted field
 * may hold line breaks. For the header too, since blank lines before it are skipped.
 */
export function csvStartLine(fields: readonly string[], endLine: number): number {
  return endLine - fields.reduce((count, value) => count + (value.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
}
